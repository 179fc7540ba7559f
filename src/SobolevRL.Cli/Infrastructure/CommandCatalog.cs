using SobolevRL.Cli.Commands;
using SobolevRL.Cli.Commands.Env;
using SobolevRL.Cli.Commands.Teacher;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>The verbs of <c>sobolevrl</c>; each command lives in its own file under Commands/.</summary>
public static class CommandCatalog
{
    /// <summary>Adds every command to <paramref name="config"/>.</summary>
    public static void Register(IConfigurator config)
    {
        config.AddCommand<InfoCommand>("info").WithDescription("Show versions, threads and devices; check that the native libraries load.");
        config.AddBranch("env", env =>
        {
            env.SetDescription("Environments: list ids, play episodes (and record GIFs), benchmark stepping.");
            env.AddCommand<EnvListCommand>("list").WithDescription("List environment ids, their default wrappers and options.");
            env.AddCommand<EnvPlayCommand>("play").WithDescription("Play episodes with a policy; print returns and lengths; --record a GIF.");
            env.AddCommand<EnvBenchCommand>("bench").WithDescription("Measure environment steps/s (single env, or vector env with --envs/--threads).");
        });
        config.AddBranch("teacher", teacher =>
        {
            teacher.SetDescription("Teacher policies: train them (PPO) and export ONNX + model card.");
            teacher.AddCommand<TeacherTrainCommand>("train").WithDescription("Train a teacher with PPO; evaluate it; write policy.onnx and its model card.");
        });
    }
}
