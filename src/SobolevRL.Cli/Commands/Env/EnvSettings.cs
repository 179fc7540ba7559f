using SobolevRL.Envs.Core;

namespace SobolevRL.Cli.Commands.Env;

/// <summary>Options that choose an environment: its id and options.</summary>
public class EnvSettings : MeasureSettings
{
    /// <summary>Environment id.</summary>
    [CommandOption("--env <ID>"), Description("Environment id, e.g. MinAtar/Breakout-v1 or ALE/Breakout-v5 (see `sobolevrl env list`)."), DefaultValue("MinAtar/Breakout-v1")]
    public string Env { get; init; } = "MinAtar/Breakout-v1";

    /// <summary>Environment options.</summary>
    [CommandOption("--env-option <KEY=VALUE>"), Description("Environment option, e.g. sticky_action_prob=0 or ramping=false (repeatable; see `sobolevrl env list`).")]
    public string[] EnvOption { get; init; } = [];

    /// <summary>Seed of the first reset.</summary>
    [CommandOption("--seed <N>"), Description("Seed of the first reset."), DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Parsed environment options.</summary>
    public EnvOptions Options() => EnvOptions.Parse(EnvOption);
}
