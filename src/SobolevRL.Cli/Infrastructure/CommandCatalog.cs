using SobolevRL.Cli.Commands;
using SobolevRL.Cli.Commands.Bench;
using SobolevRL.Cli.Commands.Distill;
using SobolevRL.Cli.Commands.Env;
using SobolevRL.Cli.Commands.Eval;
using SobolevRL.Cli.Commands.Report;
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
        config.AddCommand<RegressionCommand>("demo").WithDescription("The main job. For now: the full regression experiment (paper experiment 1) with its default configuration.");
        config.AddCommand<RegressionCommand>("regression").WithDescription("Paper experiment 1: Regular vs Sobolev MLP fits of 2-D test functions; results, surfaces and plots.");
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
        config.AddBranch("teacher", teacher =>
        {
            teacher.SetDescription("Teachers: train them (PPO); from ONNX files: inspect, check both paths agree, label states.");
            teacher.AddCommand<TeacherTrainCommand>("train").WithDescription("Train a teacher with PPO; evaluate it; write policy.onnx and its model card.");
            teacher.AddCommand<TeacherInspectCommand>("inspect").WithDescription("Show inputs, outputs (symbolic dims too), operators, parameters and the model card in effect.");
            teacher.AddCommand<TeacherCheckCommand>("check").WithDescription("Compare ONNX Runtime with the rebuilt graph and gradient labels with finite differences; non-zero exit past tolerance.");
            teacher.AddCommand<TeacherLabelCommand>("label").WithDescription("Label states from an .npy file: logits, log-policy and Jacobians or VJPs, written as .npz.");
        });
        config.AddBranch("bench", bench =>
        {
            bench.SetDescription("Benchmarks against the PyTorch peer.");
            bench.AddCommand<BenchLabelCommand>("label").WithDescription("Teacher labelling states/s (logits + one VJP per state) on the peer's workloads, with ratio to the peer.");
            bench.AddCommand<BenchTrainCommand>("train").WithDescription("Distillation training steps/s (plain and Sobolev, batch 32, Adam) on the peer's workloads, interleaved with the peer, with ratios.");
        });
    }
}
