#:project ../../src/SobolevRL.Experiments/SobolevRL.Experiments.csproj
#:property PublishAot=false
// Where the MinAtar training step of `bench train --workload minatar` spends its time, phase by phase, and what one
// trivial libtorch op costs from TorchSharp here (a small network is bound by the fixed cost per op call, not by
// arithmetic). The step is the trainer's, rebuilt from the same public pieces (DistillationLoss.ValueLoss,
// SobolevTerm.Autograd, DerivativeForms, KeptAliveAdam) so that each phase can be timed alone; the program checks that its
// total equals DistillationLoss.Compute's on the same batch. 1 libtorch thread, 1 shard: the thread's CPU time per
// phase (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) is the phase's own time. Medians over `steps` steps after 20 warm-ups.
//   dotnet run -c Release tests/benchmarks/MinAtarStepProfile.cs -- [steps 2000] [--workload minatar|nature] [--flat]
// (--flat: Adam over one flat buffer, KeptAliveAdam's flat mode, as bench train's step runs it.)
// `--trainer`: instead, the trainer's own path (DistillationLoss.Compute, which runs the Nature student through
// ExplicitInputGradients), split only into loss (forward, value loss and the Sobolev term's graph), backward and Adam.
// Op counts: `--count plain|sobolev --upto PHASE --steps N` runs only N steps of the phases up to PHASE (and prints
// nothing else); run it under a uprobe on libtorch's per-dispatch hook and difference two step counts (see
// docs/performance.md, "Session 8").
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SobolevRL.Bench;
using SobolevRL.Distillation;
using SobolevRL.Optimizers;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int steps = int.Parse(Option("--steps", args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "2000"), CultureInfo.InvariantCulture);
string workloadName = Option("--workload", "minatar");
string? countMode = Option("--count", "") is { Length: > 0 } c ? c : null;
int upto = int.Parse(Option("--upto", "9"), CultureInfo.InvariantCulture);
bool flat = args.Contains("--flat");
SobolevRL.Hardware.NativeRuntimeSetup.Apply();
torch.set_num_threads(1);

var workload = TrainWorkload.Parse(workloadName);
using var batch = workload.LabelledBatch(CPU);
string[] plainPhases = ["forward", "value loss", "backward", "adam"];
string[] sobolevPhases = ["forward", "value loss", "vjp (create_graph)", "sobolev term", "backward (double)", "adam"];

if (args.Contains("--trainer"))
{
    foreach (var mode in new[] { LabelMode.None, LabelMode.Vjp(1) })
    {
        using var student = workload.StudentPolicy(CPU);
        using var adam = new KeptAliveAdam(student.Network.parameters().ToArray(), TrainBenchmark.LearningRate, flat);
        var laps = new double[3][];
        for (int p = 0; p < 3; p++) laps[p] = new double[steps];
        for (int i = -5; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            long t0 = ThreadCpu.Ns();
            student.Network.zero_grad(set_to_none: true);
            using var parts = DistillationLoss.Compute(student, batch, new LossOptions(), mode, 1.0, 1.0);
            long t1 = ThreadCpu.Ns();
            parts.Total.backward();
            long t2 = ThreadCpu.Ns();
            adam.step();
            long t3 = ThreadCpu.Ns();
            if (i < 0) continue;
            laps[0][i] = (t1 - t0) / 1e3;
            laps[1][i] = (t2 - t1) / 1e3;
            laps[2][i] = (t3 - t2) / 1e3;
        }
        Console.WriteLine($"{workload.Name} {mode} step by DistillationLoss.Compute, 1 thread, 1 shard, thread CPU µs (median of {steps}):");
        string[] names = ["loss (forward + term graph)", "backward", "adam"];
        for (int p = 0; p < 3; p++) Console.WriteLine($"  {names[p],-28} {laps[p].Order().ElementAt(steps / 2),9:F1}");
    }
    return;
}
if (countMode is not null)
{
    bool sob = countMode == "sobolev";
    using var run = new Run(workload, batch, sob, flat);
    for (int i = 0; i < steps; i++) run.Step(null, upto);
    return;
}

// One trivial op from C#: in place on one element (no allocation), out of place (allocates a tensor and its handle), a
// view, and reading a scalar back (.item()).
var overhead = new List<(string Op, double Us)>();
using (var a = ones(1))
using (var b = ones(1))
{
    double Per(Action op, int n = 200_000)
    {
        for (int i = 0; i < 1000; i++) op();
        long t0 = ThreadCpu.Ns();
        for (int i = 0; i < n; i++) op();
        return (ThreadCpu.Ns() - t0) / 1e3 / n;
    }
    overhead.Add(("a.mul_(b), 1 element", Per(() => a.mul_(b))));
    overhead.Add(("a.mul(b), 1 element, disposed", Per(() => { using var t = a.mul(b); })));
    overhead.Add(("a.view(-1), disposed", Per(() => { using var t = a.view(-1); })));
    overhead.Add(("a.item<float>()", Per(() => a.item<float>())));
}

foreach (var (sobolev, names) in new[] { (false, plainPhases), (true, sobolevPhases) })
{
    using var run = new Run(workload, batch, sobolev, flat);
    run.CheckAgainstTrainer();
    var laps = new double[names.Length][];
    for (int p = 0; p < names.Length; p++) laps[p] = new double[steps];
    var lap = new double[names.Length];
    for (int i = 0; i < 20; i++) run.Step(lap, 9);
    for (int i = 0; i < steps; i++)
    {
        run.Step(lap, 9);
        for (int p = 0; p < names.Length; p++) laps[p][i] = lap[p];
    }
    double total = 0;
    Console.WriteLine($"{workload.Name} {(sobolev ? "sobolev (vjp:1, autograd double backward)" : "plain")} step{(flat ? ", flat Adam" : "")}, 1 thread, 1 shard, thread CPU µs (median of {steps}):");
    for (int p = 0; p < names.Length; p++)
    {
        double median = laps[p].Order().ElementAt(steps / 2);
        total += median;
        Console.WriteLine($"  {names[p],-22} {median,8:F1}");
    }
    Console.WriteLine($"  {"sum",-22} {total,8:F1}");
}
Console.WriteLine("trivial op from TorchSharp, thread CPU µs per call:");
foreach (var (op, us) in overhead) Console.WriteLine($"  {op,-32} {us,6:F2}");

// The step with its phases split out: zero grads, forward, value loss, [vjp, term], backward, Adam.
sealed class Run : IDisposable
{
    private readonly SobolevRL.Policies.ModulePolicy _student;
    private readonly SobolevRL.Replay.ReplayBatch _batch;
    private readonly KeptAliveAdam _adam;
    private readonly bool _sobolev;

    public Run(TrainWorkload workload, SobolevRL.Replay.ReplayBatch batch, bool sobolev, bool flat)
    {
        _student = workload.StudentPolicy(CPU);
        _batch = batch;
        _sobolev = sobolev;
        _adam = new KeptAliveAdam(_student.Network.parameters().ToArray(), TrainBenchmark.LearningRate, flat);
    }

    // The loss of this rebuilt step, to compare with the trainer's DistillationLoss.Compute before timing.
    public void CheckAgainstTrainer()
    {
        using var scope = NewDisposeScope();
        var ours = Loss(null, null).item<float>();
        using var parts = DistillationLoss.Compute(_student, _batch, new LossOptions(), _sobolev ? LabelMode.Vjp(1) : LabelMode.None, 1.0, 1.0);
        float trainer = parts.Total.item<float>();
        if (Math.Abs(ours - trainer) > 1e-6 * Math.Max(1, Math.Abs(trainer)))
            throw new InvalidOperationException($"rebuilt step's loss {ours} differs from DistillationLoss.Compute's {trainer}");
    }

    private Tensor Loss(double[]? lap, long[]? clock, int upto = 9)
    {
        long t = ThreadCpu.Ns();
        int phase = 0;
        bool Mark()
        {
            if (lap is not null)
            {
                long now = ThreadCpu.Ns();
                lap[phase] = (now - t) / 1e3;
                t = now;
            }
            phase++;
            if (clock is not null) clock[0] = t;
            return phase < upto;
        }
        var x = _sobolev ? _batch.Observations.detach().requires_grad_(true) : _batch.Observations;
        var logits = _student.Logits(x);
        if (!Mark()) return logits;
        var logp = F.log_softmax(logits, -1);
        var loss = DistillationLoss.ValueLoss(logits, logp, _batch.TeacherLogits, ValueLossKind.Kl, 1.0);
        if (!Mark() || !_sobolev) return loss;
        var v = _batch.Projections!.narrow(1, 0, 1);
        var rows = SobolevTerm.Autograd(logp, x)(v);
        if (!Mark()) return loss;
        var term = DerivativeForms.Compute(rows, _batch.GradLabels!.narrow(1, 0, 1), DerivativeForm.Rows, DerivativeLossKind.SquaredL2, null, 1e-3);
        var total = SobolevRL.Hardware.KeptAliveScalars.Plus(loss, SobolevRL.Hardware.KeptAliveScalars.Times(term, 1.0));
        Mark();
        return total;
    }

    public void Step(double[]? lap, int upto)
    {
        using var scope = NewDisposeScope();
        _student.Network.zero_grad(set_to_none: true);
        var clock = new long[1];
        var loss = Loss(lap, clock, upto);
        int phase = _sobolev ? 4 : 2;
        if (upto <= phase) return;
        loss.backward();
        long now = ThreadCpu.Ns();
        if (lap is not null) lap[phase] = (now - clock[0]) / 1e3;
        if (upto <= phase + 1) return;
        _adam.step();
        if (lap is not null) lap[phase + 1] = (ThreadCpu.Ns() - now) / 1e3;
    }

    public void Dispose()
    {
        _adam.Dispose();
        _student.Dispose();
    }
}

static class ThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    public static long Ns()
    {
        ClockGetTime(3, out var t); // CLOCK_THREAD_CPUTIME_ID
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
