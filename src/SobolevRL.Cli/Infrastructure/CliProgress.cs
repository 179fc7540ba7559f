using System.Diagnostics;
using SobolevRL.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>
/// Shows progress of long work: a bar with rate and ETA on a terminal, plain periodic log lines on stderr otherwise
/// (or when stdout carries JSON).
/// </summary>
public static class CliProgress
{
    /// <summary>Runs <paramref name="work"/>, passing it a progress sink, and returns its result.</summary>
    public static T Run<T>(Func<IProgress<ProgressInfo>, T> work, bool plain = false)
    {
        bool interactive = !plain && !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            var logger = new LogLineProgress(TimeSpan.FromSeconds(5));
            return work(logger);
        }
        T result = default!;
        var units = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
        var rates = new System.Collections.Concurrent.ConcurrentDictionary<int, SlidingRate>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(units, rates), new RemainingColumn(rates))
            .Start(ctx => result = work(new BarProgress(ctx, units, rates)));
        return result;
    }

    /// <summary>Wall time over which rates and the time left are measured.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(20);

    private sealed class BarProgress(ProgressContext ctx, System.Collections.Concurrent.ConcurrentDictionary<int, string> units,
        System.Collections.Concurrent.ConcurrentDictionary<int, SlidingRate> rates) : IProgress<ProgressInfo>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Report(ProgressInfo value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Task, out var task))
                    _tasks[value.Task] = task = ctx.AddTask(Markup.Escape(value.Task), maxValue: Math.Max(1, value.Total));
                task.MaxValue = Math.Max(1, value.Total);
                task.Value = value.Done;
                units[task.Id] = value.Unit;
                var rate = rates.GetOrAdd(task.Id, _ => new SlidingRate(RateWindow));
                lock (rate) rate.Add(_clock.Elapsed.TotalSeconds, value.Done);
            }
        }
    }

    private sealed class RateColumn(System.Collections.Concurrent.ConcurrentDictionary<int, string> units,
        System.Collections.Concurrent.ConcurrentDictionary<int, SlidingRate> rates) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double? speed = null;
            if (rates.TryGetValue(task.Id, out var rate)) lock (rate) speed = rate.PerSecond;
            string unit = units.GetValueOrDefault(task.Id, "");
            return new Text(speed is null ? "" : $"{speed.Value.ToString("N1", CultureInfo.InvariantCulture)} {unit}/s");
        }
    }

    private sealed class RemainingColumn(System.Collections.Concurrent.ConcurrentDictionary<int, SlidingRate> rates) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            TimeSpan? left = null;
            if (!task.IsFinished && rates.TryGetValue(task.Id, out var rate)) lock (rate) left = rate.Remaining((long)task.MaxValue);
            return new Text(left is { } l ? Duration(l) : "");
        }
    }

    /// <summary>A duration as h:mm:ss (hours not wrapped at a day), or m:ss under an hour.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}") : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:D2}");

    private sealed class LogLineProgress(TimeSpan every) : IProgress<ProgressInfo>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Dictionary<string, (SlidingRate Rate, TimeSpan LastLog)> _tasks = new();

        public void Report(ProgressInfo value)
        {
            lock (_tasks)
            {
                var now = _clock.Elapsed;
                // A task's first report starts its clock: nothing is logged for it, there is no rate yet.
                if (!_tasks.TryGetValue(value.Task, out var state))
                    _tasks[value.Task] = state = (new SlidingRate(RateWindow), now);
                state.Rate.Add(now.TotalSeconds, value.Done);
                bool finished = value.Done >= value.Total;
                if (!finished && now - state.LastLog < every) return;
                _tasks[value.Task] = (state.Rate, now);
                string rate = state.Rate.PerSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $", {r:G3} {value.Unit}/s") : "";
                string left = !finished && state.Rate.Remaining(value.Total) is { } l ? $", {Duration(l)} left" : "";
                Output.Log(string.Create(CultureInfo.InvariantCulture,
                    $"[{DateTime.Now:HH:mm:ss}] {value.Task}: {value.Done}/{value.Total} {value.Unit} ({100.0 * value.Done / Math.Max(1, value.Total):F0}%){rate}{left}"));
            }
        }
    }
}
