using SobolevRL.Cli.Commands;
using SobolevRL.Cli.Commands.Bench;
using SobolevRL.Cli.Commands.Demo;
using SobolevRL.Cli.Commands.Collect;
using SobolevRL.Cli.Commands.Data;
using SobolevRL.Cli.Commands.Distill;
using SobolevRL.Cli.Commands.Env;
using SobolevRL.Cli.Commands.Eval;
using SobolevRL.Cli.Commands.Experiment;
using SobolevRL.Cli.Commands.Report;
using SobolevRL.Cli.Commands.Sweep;
using SobolevRL.Cli.Commands.Teacher;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>The verbs of <c>sobolevrl</c>; each command lives in its own file under Commands/.</summary>
public static class CommandCatalog
{
    /// <summary>Adds every command to <paramref name="config"/>.</summary>
    public static void Register(IConfigurator config)
    {
        config.AddCommand<InfoCommand>("info").WithDescription("Show versions, threads and devices; check that the native libraries load.");
        config.AddCommand<DemoCommand>("demo").WithDescription("The main job: shipped MinAtar Breakout teacher -> dataset -> Regular and Sobolev students -> returns, held-out KL, agreement -> report.")
            .WithExample("demo", "--set", "data.states=20000", "--set", "distill.optim.steps=2000");
        config.AddCommand<RegressionCommand>("regression").WithDescription("Paper experiment 1: Regular vs Sobolev MLP fits of 2-D test functions; results, surfaces and plots.")
            .WithExample("regression", "--functions", "styblinski-tang", "--set", "learning_rate=3e-4");
        config.AddCommand<DistillCommand>("distill").WithDescription("Distil a student from a labelled dataset: value loss + lambda * Sobolev loss; checkpoints, metrics, ONNX export.")
            .WithExample("distill", "--data", "smoke:MinAtar/Breakout-v1,2000,full", "--student", "minatar:8,64", "--set", "loss.sobolev=full", "--set", "optim.steps=500");
        config.AddCommand<CollectCommand>("collect").WithDescription("Roll out a policy, label every state with the teacher (logits + gradient labels) into a crash-safe replay dataset; --resume continues.");
        config.AddCommand<EvalCommand>("eval").WithDescription("Evaluate a policy: episode returns (and % of a teacher's), held-out KL, agreement, gradient error.");
        config.AddCommand<ReportCommand>("report").WithDescription("Markdown report with learning curves and final figures of distillation runs.");
        config.AddBranch("env", env =>
        {
            env.SetDescription("Environments: list ids, play episodes (and record GIFs), benchmark stepping.");
            env.AddCommand<EnvListCommand>("list").WithDescription("List environment ids, their default wrappers and options.");
            env.AddCommand<EnvPlayCommand>("play").WithDescription("Play episodes with a policy; print returns and lengths; --record a GIF.");
            env.AddCommand<EnvBenchCommand>("bench").WithDescription("Measure environment steps/s (single env, or vector env with --envs/--threads).");
        });
        config.AddBranch("data", data =>
        {
            data.SetDescription("Replay datasets: what they hold and their space per state.");
            data.AddCommand<DataInfoCommand>("info").WithDescription("Episodes, returns of the collecting policy, label mode, split, states, bytes per state by array, problems.");
        });
        config.AddBranch("teacher", teacher =>
        {
            teacher.SetDescription("Teachers: train them (PPO); from ONNX files: inspect, check both paths agree, label states.");
            teacher.AddCommand<TeacherTrainCommand>("train").WithDescription("Train a teacher with PPO; evaluate it; write policy.onnx and its model card.")
                .WithExample("teacher", "train", "--env", "MinAtar/Breakout-v1", "--frames", "1000000", "--set", "learning_rate=3e-4");
            teacher.AddCommand<TeacherInspectCommand>("inspect").WithDescription("Show inputs, outputs (symbolic dims too), operators, parameters and the model card in effect.");
            teacher.AddCommand<TeacherCheckCommand>("check").WithDescription("Compare ONNX Runtime with the rebuilt graph and gradient labels with finite differences; non-zero exit past tolerance.");
            teacher.AddCommand<TeacherCardCommand>("card").WithDescription("Write a model card template FILE.onnx.card.json from the graph (and --env), with the fields a person must check listed.");
            teacher.AddCommand<TeacherLabelCommand>("label").WithDescription("Label states from an .npy file: logits, log-policy and Jacobians or VJPs, written as .npz.");
        });
        config.AddBranch("experiment", experiment =>
        {
            experiment.SetDescription("Paper experiments: distillation, synthetic gradients.");
            experiment.AddCommand<DataEfficiencyCommand>("data-efficiency").WithDescription("Paper experiment 2: Regular vs Sobolev students on growing fractions of one dataset; held-out error, KL, returns; table and plots.")
                .WithExample("experiment", "data-efficiency", "--env", "MinAtar/Breakout-v1", "--teacher", "agents/minatar/breakout/policy.onnx", "--states", "20000",
                    "--fractions", "5,100", "--seeds", "2", "--set", "distill.loss.weight=0.3");
            experiment.AddCommand<MultiGameCommand>("multi-game").WithDescription("Issue 14: multi-game vs single-game students, Regular vs Sobolev, every game scored (% of teacher, KL), few-shot transfer to a held-out game; report, CSV and plots.")
                .WithExample("experiment", "multi-game", "--games", "breakout,freeway,seaquest,spaceinvaders", "--held-out", "asterix", "--seeds", "3");
            experiment.AddCommand<SyntheticGradientsCommand>("synthetic-gradients").WithDescription("Paper experiment 3: a Fashion-MNIST CNN decoupled at a cut by backprop, DNI synthetic gradients, a critic or a Sobolev critic; test accuracy, cost; table and plots.");
        });
        config.AddBranch("bench", bench =>
        {
            bench.SetDescription("Benchmarks against the PyTorch peer.");
            bench.AddCommand<BenchCollectCommand>("collect").WithDescription("Collection states/s end to end beside the label-only rate of the same teacher and batch (ratio), interleaved.");
            bench.AddCommand<BenchSampleCommand>("sample").WithDescription("Replay minibatches/s from a dataset on disk, and the resident memory while sampling.");
            bench.AddCommand<BenchLabelCommand>("label").WithDescription("Teacher labelling states/s (logits + one VJP per state) on the peer's workloads, with ratio to the peer.");
            bench.AddCommand<BenchSobolevCostCommand>("sobolev-cost").WithDescription("What the Sobolev term costs per training step (wall, CPU, peak memory over the plain step) across architectures and derivative modes, and labelling per state; table, plots, report.");
            bench.AddCommand<BenchTrainCommand>("train").WithDescription("Distillation training steps/s (plain and Sobolev, batch 32, Adam) on the peer's workloads, interleaved with the peer, with ratios.");
        });
        config.AddBranch("sweep", sweep =>
        {
            sweep.SetDescription("Distillation sweeps: grid/random search x seeds, run locally in parallel or as a Slurm job array; status and aggregated reports.");
            sweep.SetDefaultCommand<SweepCommand>();
            // The default command's options do not show under "sweep --help" (a branch lists only its sub-commands), so
            // the same command is also "sweep run", whose --help lists them.
            sweep.AddCommand<SweepCommand>("run").WithDescription("Run or resume a sweep (the default: 'sobolevrl sweep --config S.yaml' is 'sweep run --config S.yaml'); 'sweep run --help' lists its options.");
            sweep.AddCommand<SweepStatusCommand>("status").WithDescription("Done / running / failed / pending runs of a sweep directory (from any machine that sees it).");
            sweep.AddCommand<SweepReportCommand>("report").WithDescription("Tables per metric over the swept keys (mean +- 95% CI across seeds), CSV, JSON and plots in a Markdown report.");
            sweep.AddCommand<SweepRunTaskCommand>("run-task").IsHidden().WithDescription("Internal: run one run of a sweep (what the executors start).");
        });
    }
}
