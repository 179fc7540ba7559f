using SobolevRL.Envs.Bench;
using SobolevRL.Envs.Registry;

namespace SobolevRL.Cli.Commands.Env;

/// <summary><c>sobolevrl env bench</c>: steps/s of one environment, or of a vector of them on worker threads.</summary>
public sealed class EnvBenchCommand : Command<EnvBenchCommand.Settings>
{
    /// <summary>Options of <c>env bench</c>.</summary>
    public sealed class Settings : EnvSettings
    {
        /// <summary>Steps to time.</summary>
        [CommandOption("--steps <N>"), Description("Environment steps to time (in all, over every sub-environment)."), DefaultValue(2_000_000L)]
        public long Steps { get; init; } = 2_000_000;

        /// <summary>Sub-environments.</summary>
        [CommandOption("--envs <E>"), Description("Number of environments; 1 times a single environment, more times a vector env."), DefaultValue(1)]
        public int Envs { get; init; } = 1;

        /// <summary>Worker threads of the vector env.</summary>
        [CommandOption("--threads <T>"), Description("Worker threads of the vector env (1: synchronous)."), DefaultValue(1)]
        public int Threads { get; init; } = 1;
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Steps < 1) throw new UserErrorException($"--steps {settings.Steps}: must be >= 1");
        if (settings.Envs < 1) throw new UserErrorException($"--envs {settings.Envs}: must be >= 1");
        if (settings.Threads < 1) throw new UserErrorException($"--threads {settings.Threads}: must be >= 1");
        var registry = EnvRegistry.CreateDefault();
        registry.Make(settings.Env, settings.Options()).Dispose(); // validates id and options before timing
        var result = settings.Envs == 1 && settings.Threads == 1
            ? EnvBenchmark.RunSingle(() => registry.Make(settings.Env, settings.Options()), settings.Steps, settings.Seed)
            : EnvBenchmark.RunVector(_ => registry.Make(settings.Env, settings.Options()), settings.Envs, settings.Threads, settings.Steps, settings.Seed);
        if (settings.Json) Output.Json(result);
        else Console.Out.Write(EnvBenchmark.FormatTable([result]));
        return 0;
    }
}
