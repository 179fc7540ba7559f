using SobolevRL.Experiments;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Options every command has.</summary>
public class CommonSettings : CommandSettings
{
    /// <summary>Print stack traces of errors.</summary>
    [CommandOption("--verbose"), Description("Print stack traces of errors.")]
    public bool Verbose { get; init; }
}

/// <summary>Options of commands that measure something: one JSON object on stdout with <c>--json</c>.</summary>
public class MeasureSettings : CommonSettings
{
    /// <summary>Print one machine-readable JSON object on stdout instead of tables.</summary>
    [CommandOption("--json"), Description("Print one machine-readable JSON object on stdout instead of tables.")]
    public bool Json { get; init; }
}

/// <summary>Options of commands whose tensors live on a device.</summary>
public class DeviceSettings : MeasureSettings
{
    /// <summary>Device for tensors: cpu, cuda or cuda:N.</summary>
    [CommandOption("--device <DEVICE>"), Description("Device for tensors: cpu, cuda or cuda:N."), DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>Intra-op threads of libtorch (0: libtorch's default).</summary>
    [CommandOption("--threads <N>"), Description("Intra-op threads of libtorch (0: keep libtorch's default)."), DefaultValue(0)]
    public int Threads { get; init; }
}

/// <summary>Options of commands that create a run directory from a YAML config.</summary>
public class RunSettings : DeviceSettings
{
    /// <summary>YAML config file.</summary>
    [CommandOption("--config <FILE>"), Description("YAML config file; every key can also be set with --set.")]
    public string? Config { get; init; }

    /// <summary>Overrides of config keys.</summary>
    [CommandOption("--set <KEY=VALUE>"), Description("Override one config key, KEY=VALUE with the key's dotted path (repeatable); the examples below use keys this command accepts.")]
    public string[] Set { get; init; } = [];

    /// <summary>Run directory.</summary>
    [CommandOption("--out <DIR>"), Description("Run directory (default: runs/<name>-<timestamp>/). Never overwritten.")]
    public string? Out { get; init; }

    /// <summary>Continue the run in --out.</summary>
    [CommandOption("--resume"), Description("Continue the run in --out where it stopped (killed or finished): finished work is kept, the rest resumes from its checkpoints or, where it has none, starts again (deterministic by seed).")]
    public bool Resume { get; init; }

    /// <summary>The config file to load: <c>--config</c>, or with <c>--resume</c> the one saved in <c>--out</c> (<see cref="ResumeConfig.File"/>).</summary>
    public string? ConfigFile => ResumeConfig.File(Config, Out, Resume);

    /// <summary>
    /// The config overrides of this invocation: the <c>--set</c> ones, then the command's own flags as config keys
    /// (<c>KEY=VALUE</c>, invariant culture; a flag not given, null, is left out).
    /// </summary>
    public List<string> Overrides(params (string Key, object? Value)[] flags)
    {
        var overrides = Set.ToList();
        foreach (var (key, value) in flags)
            if (value != null) overrides.Add(string.Create(CultureInfo.InvariantCulture, $"{key}={value}"));
        return overrides;
    }

    /// <summary>A comma-separated flag as a YAML list value (<c>[a,b]</c>), or null when not given.</summary>
    public static string? List(string? commaSeparated) => commaSeparated is null ? null : $"[{commaSeparated}]";

    /// <summary>
    /// Creates the run directory of <paramref name="name"/> (or reopens it with <c>--resume</c>), saves the resolved
    /// <paramref name="options"/> in it (a resume checks them against the saved ones) and names it on stderr.
    /// </summary>
    public RunDirectory StartRun<T>(string name, T options, string what) where T : notnull, new()
    {
        var run = RunDirectory.Create(name, Out, Resume);
        ResumeConfig.SaveOrCheck(options, run, Resume);
        if (!Json) Output.Log($"{what} directory: {run.Path}");
        return run;
    }
}

/// <summary>Options of the experiments that repeat their models over seeds: each flag sets one config key.</summary>
public class ExperimentSettings : RunSettings
{
    /// <summary>Seeds per configuration.</summary>
    [CommandOption("--seeds <N>"), Description("Seeds per configuration of the experiment (config key seeds).")]
    public int? Seeds { get; init; }

    /// <summary>Training steps of every model.</summary>
    [CommandOption("--steps <N>"), Description("Optimiser steps of every model trained, the same for every mode (config key steps; distill.optim.steps in data-efficiency).")]
    public long? Steps { get; init; }
}

/// <summary>Options of the experiments that can run as parts of one directory (<c>--shard I/N</c>, e.g. Slurm array tasks).</summary>
public class ShardedExperimentSettings : ExperimentSettings
{
    /// <summary>The part of the students this process trains.</summary>
    [CommandOption("--shard <I/N>"), Description("Train only part I of N of the students (a Slurm array task: $SLURM_ARRAY_TASK_ID/N), in --out, created or continued; no report. Then run again with --resume and no --shard for the report.")]
    public string? Shard { get; init; }

    /// <summary>The part of <c>--shard</c> (null: the whole experiment); a user error when it is malformed or has no <c>--out</c>.</summary>
    public ExperimentShard? Part()
    {
        var shard = Shard is null ? null : ExperimentShard.Parse(Shard);
        if (shard != null && Out is null) throw new UserErrorException("--shard needs --out: every part of the experiment writes into one directory");
        return shard;
    }

    /// <summary>
    /// The experiment's directory: <see cref="RunSettings.StartRun"/>, or for a part created or continued under the
    /// experiment's setup lock, since the parts start in any order and each may be the first.
    /// </summary>
    public RunDirectory StartPart<T>(string name, T options, ExperimentShard? shard, CancellationToken cancel) where T : notnull, new()
    {
        if (shard is null) return StartRun(name, options, "experiment");
        using var setup = ExperimentShard.SetupLock(Out!, cancel);
        var run = RunDirectory.Create(name, Out, resume: true);
        ResumeConfig.SaveOrCheck(options, run, resume: true);
        return run;
    }

    /// <summary>Says that <paramref name="shard"/> is done and how to report; the command's exit code.</summary>
    public static int PartDone(ExperimentShard shard, RunDirectory run)
    {
        Output.Log($"part {shard.Index} of {shard.Count} done in {run.Path}; when every part is done: the same command with --resume and without --shard writes the report");
        return 0;
    }
}
