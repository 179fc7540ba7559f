using System.Diagnostics;
using System.Globalization;
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
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(units), new RemainingTimeColumn())
            .Start(ctx => result = work(new BarProgress(ctx, units)));
        return result;
    }

    private sealed class BarProgress(ProgressContext ctx, System.Collections.Concurrent.ConcurrentDictionary<int, string> units) : IProgress<ProgressInfo>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();

        public void Report(ProgressInfo value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Task, out var task))
                    _tasks[value.Task] = task = ctx.AddTask(Markup.Escape(value.Task), maxValue: Math.Max(1, value.Total));
                task.MaxValue = Math.Max(1, value.Total);
                task.Value = value.Done;
                units[task.Id] = value.Unit;
            }
        }
    }

    private sealed class RateColumn(System.Collections.Concurrent.ConcurrentDictionary<int, string> units) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double? speed = task.Speed;
            string unit = units.GetValueOrDefault(task.Id, "");
            return new Text(speed is null ? "" : $"{speed.Value.ToString("N1", CultureInfo.InvariantCulture)} {unit}/s");
        }
    }

    private sealed class LogLineProgress(TimeSpan every) : IProgress<ProgressInfo>
    {
        // The clock starts at a task's first report; the rate counts only the work done after it (a first report
        // after a batch would otherwise credit that batch to no time at all).
        private readonly Dictionary<string, (Stopwatch Clock, TimeSpan LastLog, long FirstDone)> _tasks = new();

        public void Report(ProgressInfo value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Task, out var state))
                    _tasks[value.Task] = state = (Stopwatch.StartNew(), TimeSpan.Zero, value.Done);
                var elapsed = state.Clock.Elapsed;
                bool finished = value.Done >= value.Total;
                if (!finished && elapsed - state.LastLog < every) return;
                _tasks[value.Task] = (state.Clock, elapsed, state.FirstDone);
                double rate = (value.Done - state.FirstDone) / Math.Max(elapsed.TotalSeconds, 1e-9);
                string eta = rate > 0 && !finished ? TimeSpan.FromSeconds((value.Total - value.Done) / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "00:00:00";
                Output.Log(string.Create(CultureInfo.InvariantCulture,
                    $"[{DateTime.Now:HH:mm:ss}] {value.Task}: {value.Done}/{value.Total} {value.Unit} ({100.0 * value.Done / Math.Max(1, value.Total):F0}%), {rate:F1} {value.Unit}/s, ETA {eta}"));
            }
        }
    }
}
