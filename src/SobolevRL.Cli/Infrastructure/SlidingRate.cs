namespace SobolevRL.Cli.Infrastructure;

/// <summary>
/// Rate of progress over the last <see cref="Window"/> of wall time, measured from the first report of the work (so
/// setup before it, and work done before a resume, do not count), and the time left at that rate.
/// </summary>
public sealed class SlidingRate(TimeSpan window)
{
    private readonly Queue<(double Seconds, long Done)> _samples = new();

    /// <summary>Wall time over which the rate is measured.</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>Records that <paramref name="done"/> units were done at <paramref name="seconds"/> of wall time.</summary>
    public void Add(double seconds, long done)
    {
        _samples.Enqueue((seconds, done));
        // Keep one sample at or before the window's start, so the rate always spans a full window once there is one.
        while (_samples.Count > 2 && _samples.ElementAt(1).Seconds <= seconds - Window.TotalSeconds) _samples.Dequeue();
    }

    /// <summary>Units per second over the window, or null until time has passed and work was done since the first report.</summary>
    public double? PerSecond
    {
        get
        {
            if (_samples.Count < 2) return null;
            var (t0, d0) = _samples.Peek();
            var (t1, d1) = _samples.Last();
            return t1 > t0 && d1 > d0 ? (d1 - d0) / (t1 - t0) : null;
        }
    }

    /// <summary>Time to finish <paramref name="total"/> at the current rate, or null while there is no rate.</summary>
    public TimeSpan? Remaining(long total) =>
        PerSecond is { } rate && _samples.Count > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - _samples.Last().Done) / rate) : null;
}
