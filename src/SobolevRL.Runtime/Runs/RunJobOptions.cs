using static TorchSharp.torch;

namespace SobolevRL.Runs;

/// <summary>What every job that trains into a run directory takes: its config, the overrides, the directory and the device.</summary>
public abstract record RunJobOptions
{
    /// <summary>Config file (<c>config</c>; null: defaults, or on resume the run's saved config).</summary>
    public string? ConfigFile { get; init; }

    /// <summary><c>key.path=value</c> overrides applied over the config file (<c>set</c>, and the flags that set config keys).</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>Run directory (<c>out</c>; null: a new one under <c>runs/</c>).</summary>
    public string? OutDir { get; init; }

    /// <summary>Training device.</summary>
    public Device Device { get; init; } = CPU;
}
