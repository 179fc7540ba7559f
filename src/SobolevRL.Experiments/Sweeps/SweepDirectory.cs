using SobolevRL.IO;
using System.Text.Json;
using SobolevRL.Runs;

namespace SobolevRL.Sweeps;

/// <summary>State of one run of a sweep, derived from the files in its directory (so any machine that sees it agrees).</summary>
public enum RunState
{
    /// <summary>Not started yet.</summary>
    Pending,
    /// <summary>A process holds the run's lock.</summary>
    Running,
    /// <summary>Started, stopped without a result (Ctrl-C, killed, node lost); the next invocation resumes it.</summary>
    Interrupted,
    /// <summary>Finished with exit code 0 and a summary.</summary>
    Done,
    /// <summary>Finished with a non-zero exit code (or without a summary).</summary>
    Failed,
}

/// <summary>When and where a run was started (<c>started.json</c>).</summary>
/// <param name="Host">Host name.</param>
/// <param name="Pid">Process id of the run task.</param>
/// <param name="StartedAt">Unix time in seconds.</param>
/// <param name="SlurmJob">Slurm job id and array index, or empty.</param>
public sealed record RunStart(string Host, int Pid, double StartedAt, string SlurmJob);

/// <summary>How a run ended (<c>result.json</c>).</summary>
/// <param name="ExitCode">Exit code of the run task.</param>
/// <param name="WallSeconds">Wall time of the task (dataset wait and collection included), NaN when unknown.</param>
/// <param name="FinishedAt">Unix time in seconds.</param>
public sealed record RunResult(int ExitCode, double WallSeconds, double FinishedAt);

/// <summary>The status of one run.</summary>
/// <param name="Run">The run.</param>
/// <param name="State">Its state.</param>
/// <param name="Start">Start record, if started.</param>
/// <param name="Result">Result record, if ended.</param>
public sealed record RunStatus(SweepRun Run, RunState State, RunStart? Start, RunResult? Result);

/// <summary>
/// The directory of a sweep: <c>sweep.yaml</c> (definition), <c>plan.json</c> (current runs), <c>runs/ID/</c> per run
/// (<c>run.json</c>, <c>config.yaml</c>, <c>log.txt</c>, <c>started.json</c>, <c>result.json</c>, distill output in
/// <c>run/</c>), <c>datasets/</c> (shared collected datasets), <c>slurm/</c> (scripts, task logs) and <c>report/</c>.
/// </summary>
/// <param name="path">The sweep directory.</param>
public sealed class SweepDirectory(string path)
{
    /// <summary>Exit code of a run task that found its run already running elsewhere (not a failure).</summary>
    public const int AlreadyRunningExitCode = 75;

    /// <summary>Exit codes of a process stopped by SIGINT (130) or SIGTERM (143): an interruption, not a failure.</summary>
    public static bool IsStopSignalExit(int code) => code is 130 or 143;

    /// <summary>Absolute path.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The plan file.</summary>
    public string PlanFile => System.IO.Path.Combine(Path, "plan.json");

    /// <summary>Directory of run <paramref name="id"/>.</summary>
    public string RunDir(string id) => System.IO.Path.Combine(Path, "runs", id);

    /// <summary>Distill output directory of run <paramref name="id"/>.</summary>
    public string OutputDir(string id) => System.IO.Path.Combine(RunDir(id), "run");

    /// <summary>Log of run <paramref name="id"/>.</summary>
    public string LogFile(string id) => System.IO.Path.Combine(RunDir(id), "log.txt");

    /// <summary>Lock a run task holds while it runs.</summary>
    public string LockFile(string id) => System.IO.Path.Combine(RunDir(id), "run.lock");

    /// <summary>Shared datasets of the sweep.</summary>
    public DatasetStore Datasets => new(System.IO.Path.Combine(Path, "datasets"));

    /// <summary>Opens an existing sweep directory (one with a plan).</summary>
    public static SweepDirectory Open(string path)
    {
        var dir = new SweepDirectory(path);
        if (!File.Exists(dir.PlanFile)) throw new UserErrorException($"'{path}' is not a sweep directory (no plan.json); give the `out` of a sweep");
        return dir;
    }

    /// <summary>Writes the plan, each run's <c>run.json</c> and <c>config.yaml</c> (existing runs keep theirs), and the definition.</summary>
    public void Write(SweepPlanner.Expanded expanded, string definitionFile)
    {
        Directory.CreateDirectory(Path);
        foreach (var run in expanded.Runs)
        {
            string dir = RunDir(run.Id);
            if (File.Exists(System.IO.Path.Combine(dir, "run.json"))) continue;
            Directory.CreateDirectory(dir);
            RunDirectory.WriteAtomic(System.IO.Path.Combine(dir, RunDirectory.ConfigFile), expanded.Configs[run.Id]);
            RunDirectory.WriteAtomic(System.IO.Path.Combine(dir, "run.json"), Json.Serialize(run));
        }
        string saved = System.IO.Path.Combine(Path, "sweep.yaml");
        if (System.IO.Path.GetFullPath(definitionFile) != saved) RunDirectory.WriteAtomic(saved, File.ReadAllText(definitionFile));
        RunDirectory.WriteAtomic(PlanFile, Json.Serialize(expanded.Plan));
    }

    /// <summary>The current plan.</summary>
    public SweepPlan ReadPlan() => Read<SweepPlan>(PlanFile);

    /// <summary>The planned run <paramref name="id"/>.</summary>
    public SweepRun ReadRun(string id)
    {
        string file = System.IO.Path.Combine(RunDir(id), "run.json");
        if (!File.Exists(file)) throw new UserErrorException($"sweep '{Path}' has no run '{id}'");
        return Read<SweepRun>(file);
    }

    /// <summary>Status of every run of the plan.</summary>
    public IReadOnlyList<RunStatus> Status() => ReadPlan().Runs.Select(StatusOf).ToArray();

    /// <summary>Status of run <paramref name="id"/>.</summary>
    public RunStatus StatusOf(string id)
    {
        var run = ReadRun(id);
        string dir = RunDir(id);
        var start = TryRead<RunStart>(System.IO.Path.Combine(dir, "started.json"));
        var result = TryRead<RunResult>(System.IO.Path.Combine(dir, "result.json"));
        RunState state;
        if (FileLock.IsHeld(LockFile(id))) state = RunState.Running;
        else if (result != null) state = result.ExitCode == 0 && File.Exists(System.IO.Path.Combine(OutputDir(id), RunDirectory.SummaryFile)) ? RunState.Done : RunState.Failed;
        else state = start != null ? RunState.Interrupted : RunState.Pending;
        return new RunStatus(run, state, start, result);
    }

    /// <summary>Records the start of run <paramref name="id"/>.</summary>
    public void WriteStart(string id, RunStart start) => RunDirectory.WriteAtomic(System.IO.Path.Combine(RunDir(id), "started.json"), Json.Serialize(start));

    /// <summary>Records the end of run <paramref name="id"/>.</summary>
    public void WriteResult(string id, RunResult result) => RunDirectory.WriteAtomic(System.IO.Path.Combine(RunDir(id), "result.json"), Json.Serialize(result));

    /// <summary>True when run <paramref name="id"/> has a result.</summary>
    public bool HasResult(string id) => File.Exists(System.IO.Path.Combine(RunDir(id), "result.json"));

    /// <summary>
    /// Prepares a failed run for another attempt: its output, log and result move to <c>failed-N/</c> (nothing is deleted).
    /// </summary>
    public void ArchiveFailedAttempt(string id)
    {
        string dir = RunDir(id);
        int n = 1;
        while (Directory.Exists(System.IO.Path.Combine(dir, $"failed-{n}"))) n++;
        string archive = System.IO.Path.Combine(dir, $"failed-{n}");
        Directory.CreateDirectory(archive);
        foreach (string name in new[] { "run", "log.txt", "result.json", "started.json" })
        {
            string from = System.IO.Path.Combine(dir, name), to = System.IO.Path.Combine(archive, name);
            if (Directory.Exists(from)) Directory.Move(from, to);
            else if (File.Exists(from)) File.Move(from, to);
        }
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of run <paramref name="id"/>'s log.</summary>
    public string[] LastLogLines(string id, int count = 5)
    {
        string log = LogFile(id);
        if (!File.Exists(log)) return [];
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long from = Math.Max(0, stream.Length - 16384);
        stream.Seek(from, SeekOrigin.Begin);
        string tail = new StreamReader(stream).ReadToEnd();
        return tail.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).TakeLast(count).ToArray();
    }

    private static T Read<T>(string file)
    {
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Json.Options) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new UserErrorException($"'{file}' is damaged ({e.Message}); restore it or remove the sweep directory and run again"); }
    }

    private static T? TryRead<T>(string file) where T : class => File.Exists(file) ? Read<T>(file) : null;
}
