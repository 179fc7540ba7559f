using SobolevRL.Cli.Commands;
using SobolevRL.Cli.Commands.Distill;
using SobolevRL.Cli.Commands.Env;
using SobolevRL.Cli.Commands.Eval;
using SobolevRL.Cli.Commands.Report;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>The verbs of <c>sobolevrl</c>; each command lives in its own file under Commands/.</summary>
public static class CommandCatalog
{
    /// <summary>Adds every command to <paramref name="config"/>.</summary>
    public static void Register(IConfigurator config)
    {
        config.AddCommand<InfoCommand>("info").WithDescription("Show versions, threads and devices; check that the native libraries load.");
        config.AddCommand<DistillCommand>("distill").WithDescription("Distil a student from a labelled dataset: value loss + lambda * Sobolev loss; checkpoints, metrics, ONNX export.");
        config.AddCommand<EvalCommand>("eval").WithDescription("Evaluate a policy: episode returns (and % of a teacher's), held-out KL, agreement, gradient error.");
        config.AddCommand<ReportCommand>("report").WithDescription("Markdown report with learning curves and final figures of distillation runs.");
        config.AddBranch("env", env =>
        {
            env.SetDescription("Environments: list ids, play episodes (and record GIFs), benchmark stepping.");
            env.AddCommand<EnvListCommand>("list").WithDescription("List environment ids, their default wrappers and options.");
            env.AddCommand<EnvPlayCommand>("play").WithDescription("Play episodes with a policy; print returns and lengths; --record a GIF.");
            env.AddCommand<EnvBenchCommand>("bench").WithDescription("Measure environment steps/s (single env, or vector env with --envs/--threads).");
        });
    }
}
