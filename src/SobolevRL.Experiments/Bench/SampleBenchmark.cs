using System.Diagnostics;
using SobolevRL.Replay;

namespace SobolevRL.Bench;

/// <summary>What <c>bench sample</c> measured.</summary>
/// <param name="DatasetStates">Training states sampled from.</param>
/// <param name="DatasetBytes">Bytes of the dataset's arrays on disk.</param>
/// <param name="ObservationShape">Stacked observation shape.</param>
/// <param name="Labels">Label mode of the dataset.</param>
/// <param name="Batch">States per batch.</param>
/// <param name="Batches">Batches timed.</param>
/// <param name="Seconds">Time of the timed batches.</param>
/// <param name="SamplesPerS">States per second delivered as tensors.</param>
/// <param name="ResidentBudgetBytes">Bytes read before mapped pages are dropped from the resident set (the window).</param>
/// <param name="Prefetch">Batches prepared ahead.</param>
/// <param name="RssBeforeBytes">Resident set of the process before opening the dataset.</param>
/// <param name="RssPeakBytes">Largest resident set seen while sampling.</param>
/// <param name="RssEndBytes">Resident set at the end.</param>
/// <param name="CpuSeconds">CPU time (user + system, all threads) the process used while the timed batches were drawn.</param>
public sealed record SampleBenchResult(long DatasetStates, long DatasetBytes, long[] ObservationShape, string Labels, int Batch, long Batches,
    double Seconds, double SamplesPerS, long ResidentBudgetBytes, int Prefetch, long RssBeforeBytes, long RssPeakBytes, long RssEndBytes, double CpuSeconds)
{
    /// <summary>States per CPU second: on a loaded machine, a bound on what a quiet one gives per core.</summary>
    public double SamplesPerCpuS => Batches * Batch / Math.Max(CpuSeconds, 1e-9);
}

/// <summary><c>bench sample</c>: minibatches per second from a dataset on disk through <see cref="ReplaySampler"/>, with the resident memory.</summary>
public static class SampleBenchmark
{
    /// <summary>
    /// Draws batches for at least <paramref name="seconds"/> (after 10 warm-up batches), or until
    /// <paramref name="minPasses"/> × the dataset's states were drawn, whichever is later.
    /// </summary>
    public static SampleBenchResult Run(string directory, ReplaySamplerOptions options, double seconds, double minPasses = 0)
    {
        using var self = Process.GetCurrentProcess();
        long Rss()
        {
            self.Refresh();
            return self.WorkingSet64;
        }
        long before = Rss();
        using var sampler = new ReplaySampler(directory, options);
        long trainStates = sampler.Index.TrainRows.Length;
        long bytes = Directory.EnumerateFiles(directory, "*.npy", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        for (int i = 0; i < 10; i++) sampler.Next().Dispose();
        long peak = Rss(), batches = 0;
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || batches * options.BatchSize < minPasses * trainStates)
        {
            sampler.Next().Dispose();
            if (++batches % 64 == 0) peak = Math.Max(peak, Rss());
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        long end = Rss();
        double cpuSeconds = (self.TotalProcessorTime - cpu).TotalSeconds;
        return new SampleBenchResult(trainStates, bytes, sampler.Dataset.ObservationShape, sampler.Dataset.Labels.ToString(), options.BatchSize, batches,
            elapsed, batches * options.BatchSize / elapsed, options.ResidentBudgetBytes, options.Prefetch, before, Math.Max(peak, end), end, cpuSeconds);
    }
}
