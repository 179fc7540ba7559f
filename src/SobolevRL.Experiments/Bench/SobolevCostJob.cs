using System.Diagnostics;
using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>Options of <see cref="SobolevCostJob"/>; messages name these keys.</summary>
public sealed record SobolevCostOptions
{
    /// <summary>Architectures to measure (<see cref="CostArchitecture.All"/> names).</summary>
    public IReadOnlyList<string> Archs { get; init; } = CostArchitecture.All.Select(a => a.Name).ToArray();

    /// <summary>Mode groups to measure (the plain step always is).</summary>
    public IReadOnlyList<CostModeGroup> Modes { get; init; } = Enum.GetValues<CostModeGroup>();

    /// <summary>States per training step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>States per labelling call (at most the 64 states of <see cref="LabelWorkload"/>).</summary>
    public int LabelBatch { get; init; } = LabelWorkload.Batch;

    /// <summary>Measure the teacher's labelling per mode too.</summary>
    public bool Labelling { get; init; } = true;

    /// <summary>
    /// Seconds for all measurements together: each gets an equal share of what is left, after one warm-up call and at
    /// least <see cref="MinSteps"/> timed calls (so a very small budget gives <see cref="MinSteps"/> calls each).
    /// </summary>
    public double Budget { get; init; } = 540;

    /// <summary>Timed calls per measurement at least.</summary>
    public int MinSteps { get; init; } = 3;

    /// <summary>Batch shards computed at once (the trainer's <c>optim.shards</c> and collect's <c>label_shards</c>; 0: one per libtorch thread).</summary>
    public int Shards { get; init; }

    /// <summary>Run directory for summary.json, report.md and the plots (null: <c>runs/bench-sobolev-cost-&lt;timestamp&gt;</c>).</summary>
    public string? Out { get; init; }

    /// <summary>Device.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Checks every option; user errors name the key.</summary>
    public void Validate()
    {
        if (Archs.Count == 0) throw new UserErrorException($"{UserErrorException.Key("archs")}: give at least one of {CostArchitecture.Names}");
        foreach (string a in Archs) CostArchitecture.Parse(a, "archs");
        if (Batch < 1) throw new UserErrorException($"{UserErrorException.Key("batch")} {Batch}: must be >= 1");
        if (LabelBatch < 1 || LabelBatch > LabelWorkload.Batch)
            throw new UserErrorException($"{UserErrorException.Key("label_batch")} {LabelBatch}: must be between 1 and {LabelWorkload.Batch}");
        if (Batch > LabelWorkload.Batch) throw new UserErrorException($"{UserErrorException.Key("batch")} {Batch}: must be at most {LabelWorkload.Batch} (the states drawn)");
        if (!(Budget > 0)) throw new UserErrorException($"{UserErrorException.Key("budget")} {Budget}: must be > 0 seconds");
        if (MinSteps < 1) throw new UserErrorException($"{UserErrorException.Key("min_steps")} {MinSteps}: must be >= 1");
        if (Shards < 0) throw new UserErrorException($"{UserErrorException.Key("shards")} {Shards}: must be >= 0 (0: one per libtorch thread)");
    }
}

/// <summary>Time and memory of one measured call (a training step, or a labelling call).</summary>
/// <param name="WallMs">Median wall milliseconds per call.</param>
/// <param name="CpuMs">Process CPU milliseconds per call (user + system, all threads; less disturbed by other processes than wall time).</param>
/// <param name="PeakBytes">Peak resident memory above the level before one call (<see cref="PeakMemory"/>), null where not measurable.</param>
/// <param name="Calls">Timed calls.</param>
public sealed record CallCost(double WallMs, double CpuMs, long? PeakBytes, int Calls);

/// <summary>One architecture's figures for one mode of the training step, with ratios to the plain step of the same network.</summary>
/// <param name="Architecture">Architecture name.</param>
/// <param name="Mode">Mode name.</param>
/// <param name="Group">Mode family.</param>
/// <param name="Actions">Actions A.</param>
/// <param name="Projections">K of vjp:K, M of the finite-difference estimator, else null.</param>
/// <param name="Derivatives">none, explicit, autograd or finite differences.</param>
/// <param name="Form">loss.derivative_form (and row loss when not squared L2).</param>
/// <param name="Cost">The measured figures.</param>
/// <param name="WallRatio">Wall time over the plain step's (same A, same run).</param>
/// <param name="CpuRatio">CPU time over the plain step's.</param>
/// <param name="MemoryRatio">Peak memory over the plain step's, null when not measured.</param>
public sealed record StepCostRow(string Architecture, string Mode, CostModeGroup Group, int Actions, int? Projections, string Derivatives, string Form,
    CallCost Cost, double WallRatio, double CpuRatio, double? MemoryRatio);

/// <summary>One architecture's teacher labelling cost for one label mode, per state, with ratios to logits alone.</summary>
/// <param name="Architecture">Architecture name.</param>
/// <param name="Mode">none, full or vjp:K.</param>
/// <param name="Actions">Actions A of the teacher.</param>
/// <param name="WallMsPerState">Wall milliseconds per state.</param>
/// <param name="CpuMsPerState">CPU milliseconds per state.</param>
/// <param name="PeakBytes">Peak memory of one labelling call (the whole batch).</param>
/// <param name="WallRatio">Over labelling logits only (no gradients) with the same network at A = 6.</param>
/// <param name="CpuRatio">CPU over the same.</param>
/// <param name="MemoryRatio">Peak memory over the same.</param>
public sealed record LabelCostRow(string Architecture, string Mode, int Actions, double WallMsPerState, double CpuMsPerState, long? PeakBytes,
    double WallRatio, double CpuRatio, double? MemoryRatio);

/// <summary>An architecture as measured.</summary>
/// <param name="Name">Name.</param>
/// <param name="Description">Layers.</param>
/// <param name="ObservationShape">Input shape (CHW).</param>
/// <param name="Parameters">Trainable parameters at A = 6.</param>
/// <param name="ExplicitGradients">Whether the trainer's exact term uses explicit input-gradient ops for it.</param>
public sealed record CostArchitectureInfo(string Name, string Description, long[] ObservationShape, long Parameters, bool ExplicitGradients);

/// <summary>What <see cref="SobolevCostJob"/> measured.</summary>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="Shards">Batch shards computed at once.</param>
/// <param name="Batch">States per training step.</param>
/// <param name="LabelBatch">States per labelling call.</param>
/// <param name="BudgetSeconds">The time budget asked for.</param>
/// <param name="Seconds">Wall seconds the run took.</param>
/// <param name="LoadAverageBefore">Load average at the start.</param>
/// <param name="LoadAverageAfter">Load average at the end.</param>
/// <param name="Architectures">The networks.</param>
/// <param name="Steps">Training-step figures.</param>
/// <param name="Labels">Labelling figures.</param>
/// <param name="Directory">Run directory with summary.json, report.md and the plots.</param>
public sealed record SobolevCostResult(int Threads, int Shards, int Batch, int LabelBatch, double BudgetSeconds, double Seconds, string LoadAverageBefore,
    string LoadAverageAfter, IReadOnlyList<CostArchitectureInfo> Architectures, IReadOnlyList<StepCostRow> Steps, IReadOnlyList<LabelCostRow> Labels, string Directory);

/// <summary>
/// <c>bench sobolev-cost</c>: what the Sobolev term costs per training step over architectures and derivative modes, as
/// ratios to the plain step of the same network measured in the same run, and what labelling costs per state per mode.
/// Each step runs the trainer's code (<see cref="TrainStep"/>: <c>DistillationLoss</c>, batch shards, Adam) on a batch
/// labelled by a teacher of the same architecture (another seed), with fresh students of one seed per mode.
/// </summary>
public static class SobolevCostJob
{
    /// <summary>Learning rate of the students' Adam (as <see cref="TrainBenchmark"/>).</summary>
    public const double LearningRate = TrainBenchmark.LearningRate;

    /// <summary>Runs the benchmark and writes summary.json, report.md and the plots into the run directory.</summary>
    public static SobolevCostResult Run(SobolevCostOptions options, Action<string>? log = null)
    {
        options.Validate();
        var archs = options.Archs.Select(a => CostArchitecture.Parse(a, "archs")).Distinct().ToArray();
        var run = RunDirectory.Create("bench-sobolev-cost", options.Out);
        var clock = Stopwatch.StartNew();
        string loadBefore = LoadAverage.Text();
        int shards = options.Shards > 0 ? options.Shards : ShardThreads.Auto(options.Device);
        var plan = archs.Select(a => (Arch: a, Explicit: a.UsesExplicitGradients())).ToArray();
        int remaining = plan.Sum(p => CostMode.For(options.Modes, p.Explicit).Count + (options.Labelling ? LabelModes.Length : 0));
        var infos = new List<CostArchitectureInfo>();
        var steps = new List<StepCostRow>();
        var labels = new List<LabelCostRow>();
        double Share() => Math.Max(0, (options.Budget - clock.Elapsed.TotalSeconds) / Math.Max(remaining--, 1));
        foreach (var (arch, explicitApplies) in plan)
        {
            using (var probe = arch.Build(CostMode.DefaultActions, 1))
                infos.Add(new CostArchitectureInfo(arch.Name, arch.Description, arch.States.ObservationShape, PolicyNetworks.ParameterCount(probe), explicitApplies));
            using var generator = new Generator(0);
            using var states = arch.States.States(generator).to(options.Device);
            steps.AddRange(MeasureSteps(arch, explicitApplies, options, states, shards, Share, log));
            if (options.Labelling) labels.AddRange(MeasureLabels(arch, options, states, shards, Share, log));
        }
        var result = new SobolevCostResult(get_num_threads(), shards, options.Batch, options.LabelBatch, options.Budget, clock.Elapsed.TotalSeconds,
            loadBefore, LoadAverage.Text(), infos, steps, labels, run.Path);
        run.WriteSummary(result);
        SobolevCostReport.Write(result, run.Path);
        return result;
    }

    /// <summary>Label modes measured for the teacher's labelling: logits only, full at each A, vjp:K at A = 6.</summary>
    public static readonly (string Name, LabelMode Mode, int Actions)[] LabelModes =
    [
        ("none", LabelMode.None, CostMode.DefaultActions),
        .. CostMode.ActionCounts.Select(a => ($"full A={a}", LabelMode.Full, a)),
        .. CostMode.ProjectionCounts.Select(k => ($"vjp:{k}", LabelMode.Vjp(k), CostMode.DefaultActions)),
    ];

    private static List<StepCostRow> MeasureSteps(CostArchitecture arch, bool explicitApplies, SobolevCostOptions options, Tensor states, int shards,
        Func<double> share, Action<string>? log)
    {
        var modes = CostMode.For(options.Modes, explicitApplies);
        var measured = new List<(CostMode Mode, CallCost Cost)>();
        foreach (var group in modes.GroupBy(m => m.Actions).OrderBy(g => g.Key == CostMode.DefaultActions ? 0 : 1))
        {
            var (full, vjp) = LabelledBatches(arch, group.Key, states.narrow(0, 0, options.Batch),
                full: group.Any(m => m.Sobolev.Kind != LabelKind.Vjp), vjp: group.Any(m => m.Sobolev.Kind == LabelKind.Vjp));
            using var fullBatch = full;
            using var vjpBatch = vjp;
            foreach (var mode in group)
            {
                var batch = (mode.Sobolev.Kind == LabelKind.Vjp ? vjpBatch : fullBatch ?? vjpBatch)!;
                using var student = new TrainStep(arch.Policy(mode.Actions, seed: 1, options.Device), batch, mode.Sobolev, mode.Loss, !mode.Autograd, shards, LearningRate,
                    ownsBatch: false);
                var cost = Measure(() => student.Step(null), share(), options.MinSteps);
                measured.Add((mode, cost));
                log?.Invoke(FormattableString.Invariant($"{arch.Name} {mode.Name}: {cost.WallMs:F2} ms/step, CPU {cost.CpuMs:F2} ms, peak {cost.PeakBytes / 1048576.0:F1} MiB ({cost.Calls} steps; load {LoadAverage.Text()})"));
            }
        }
        var rows = new List<StepCostRow>();
        foreach (var (mode, cost) in measured)
        {
            var plain = measured.First(m => m.Mode.Group == CostModeGroup.Plain && m.Mode.Actions == mode.Actions).Cost;
            string form = mode.Loss.DerivativeForm.ToString().ToLowerInvariant()
                + (mode.Loss.DerivativeLoss == Sobolev.DerivativeLossKind.SquaredL2 ? "" : " " + Snake(mode.Loss.DerivativeLoss.ToString()));
            int? k = mode.Group == CostModeGroup.Fd ? mode.Loss.FdDirections : mode.Sobolev.Kind == LabelKind.Vjp ? mode.Sobolev.Projections : null;
            rows.Add(new StepCostRow(arch.Name, mode.Name, mode.Group, mode.Actions, k, mode.Derivatives(explicitApplies), mode.Sobolev.Kind == LabelKind.None ? "-" : form,
                cost, cost.WallMs / plain.WallMs, cost.CpuMs / plain.CpuMs, Ratio(cost.PeakBytes, plain.PeakBytes)));
        }
        return rows;
    }

    private static List<LabelCostRow> MeasureLabels(CostArchitecture arch, SobolevCostOptions options, Tensor states, int shards, Func<double> share,
        Action<string>? log)
    {
        var x = states.narrow(0, 0, options.LabelBatch);
        using var threads = new ShardThreads(shards);
        var measured = new List<(string Name, int Actions, CallCost Cost)>();
        foreach (var group in LabelModes.GroupBy(m => m.Actions))
        {
            using var teacher = arch.Policy(group.Key, seed: 0, options.Device);
            foreach (var (name, mode, actions) in group)
            {
                using var projections = new Generator(1);
                var cost = Measure(() =>
                {
                    using var scope = NewDisposeScope();
                    using var labelled = Labeler.Label(threads, teacher, x, mode, projections);
                }, share(), options.MinSteps);
                measured.Add((name, actions, cost));
                log?.Invoke(FormattableString.Invariant($"{arch.Name} label {name}: {cost.WallMs * 1000 / x.shape[0]:F1} µs/state, CPU {cost.CpuMs * 1000 / x.shape[0]:F1} µs/state (load {LoadAverage.Text()})"));
            }
        }
        var none = measured.First(m => m.Name == "none").Cost;
        long n = x.shape[0];
        return measured.Select(m => new LabelCostRow(arch.Name, m.Name, m.Actions, m.Cost.WallMs / n, m.Cost.CpuMs / n, m.Cost.PeakBytes,
            m.Cost.WallMs / none.WallMs, m.Cost.CpuMs / none.CpuMs, Ratio(m.Cost.PeakBytes, none.PeakBytes))).ToList();
    }

    /// <summary>
    /// One warm-up call, then calls until <paramref name="seconds"/> have passed and at least <paramref name="minCalls"/>
    /// were timed. The first timed call also gives the peak memory (<see cref="PeakMemory"/>: the heap is trimmed before
    /// it, outside the timing, so that call may be a little slower; the median is taken over all).
    /// </summary>
    public static CallCost Measure(Action call, double seconds, int minCalls)
    {
        call();
        long? peak = null;
        var times = new List<double>();
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        while (times.Count < minCalls || clock.Elapsed.TotalSeconds < seconds)
        {
            void Timed()
            {
                process.Refresh();
                TimeSpan cpu0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                call();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                process.Refresh();
                cpu += process.TotalProcessorTime - cpu0;
            }
            if (times.Count == 0) peak = PeakMemory.During(Timed);
            else Timed();
        }
        double cpuMs = cpu.TotalMilliseconds / times.Count;
        times.Sort();
        return new CallCost(times[times.Count / 2], cpuMs, peak, times.Count);
    }

    // The teacher (same architecture, seed 0) labels the states: a batch with full Jacobians and one with vjp:8 labels
    // (a vjp:K term uses the first K), each only when a mode needs it.
    private static (ReplayBatch? Full, ReplayBatch? Vjp) LabelledBatches(CostArchitecture arch, int actions, Tensor states, bool full, bool vjp)
    {
        using var scope = NewDisposeScope();
        using var teacher = arch.Policy(actions, seed: 0, states.device);
        using var projections = new Generator(1);
        ReplayBatch? Batch(LabelMode mode)
        {
            using var labels = Labeler.Label(teacher, states, mode, projections);
            Tensor Keep(Tensor t) => t.detach().clone().MoveToOuterDisposeScope();
            return new ReplayBatch(Keep(states), Keep(labels.Logits), Keep(labels.Logits.argmax(-1)), Keep(labels.GradLabels!),
                labels.Projections is { } v ? Keep(v) : null);
        }
        return (full ? Batch(LabelMode.Full) : null, vjp ? Batch(LabelMode.Vjp(CostMode.ProjectionCounts.Max())) : null);
    }

    private static double? Ratio(long? value, long? reference) => value is { } v && reference is { } r && r > 0 ? (double)v / r : null;

    private static string Snake(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
