#:project ../../src/SobolevRL.Teachers/SobolevRL.Teachers.csproj
#:property PublishAot=false
// Where the Nature plain training step and Nature labelling spend their time, layer by layer, against each layer's FLOPs.
// TorchSharp 0.107 has no libtorch profiler, so each layer's operations are timed alone on the shapes the step gives them:
//   train (bench train's student: Nature CNN at half width, batch 32): forward; backward = input-gradient (all but conv1)
//     + weight and bias gradients;
//   label (bench label's teacher: Nature CNN at full width, batch 64, vjp:1): forward; input-gradient only.
// Each operation runs `reps` times after 2 warm-ups; process CPU ms per call (other processes disturb it less than wall
// time) and GFLOP/s = FLOPs / CPU time. With 1 libtorch thread the CPU time is the op's own time.
//   dotnet run -c Release tests/benchmarks/NatureLayerProfile.cs -- [threads 1] [reps 20] [--json]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SobolevRL.Policies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
int reps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
SobolevRL.Hardware.NativeRuntimeSetup.Apply();
torch.set_num_threads(threads);
using var process = Process.GetCurrentProcess();

(double WallMs, double CpuMs) Time(Action call)
{
    call();
    call();
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < reps; i++) call();
    double wall = clock.Elapsed.TotalMilliseconds / reps;
    process.Refresh();
    return (wall, (process.TotalProcessorTime - cpu0).TotalMilliseconds / reps);
}

var rows = new List<Dictionary<string, object>>();
void Profile(string workload, double width, int batch, bool training)
{
    torch.manual_seed(0);
    using var net = PolicyNetworks.NatureCnn(6, width);
    var layers = net.named_children().ToArray();
    using var scope = NewDisposeScope();
    var x = rand(batch, 4, 84, 84).mul(1.0 / 255);
    for (int i = 0; i < layers.Length; i++)
    {
        var (name, module) = layers[i];
        var layer = (nn.Module<Tensor, Tensor>)module;
        bool first = i == 0;
        var input = x.detach().requires_grad_(!first || !training);
        Tensor y;
        using (no_grad()) y = layer.forward(input);
        var parameters = layer.parameters().ToArray();
        double macs = layer switch
        {
            Conv2d c => (double)y.numel() * c.in_channels * c.kernel_size[0] * c.kernel_size[1],
            Linear l => (double)y.numel() * l.in_features,
            _ => 0,
        };
        var forward = Time(() => { using var s = NewDisposeScope(); using var _ = no_grad(); layer.forward(input); });
        var gradOut = randn_like(y);
        // Training: input-gradient (not for the first layer) and parameter gradients; labelling: input-gradient only.
        var wrt = new List<Tensor>();
        if (!first || !training) wrt.Add(input);
        if (training) wrt.AddRange(parameters);
        (double WallMs, double CpuMs) backward = (0, 0);
        double backwardMacs = 0;
        if (wrt.Count > 0)
        {
            var output = layer.forward(input);
            backward = Time(() =>
            {
                using var s = NewDisposeScope();
                torch.autograd.grad([output], wrt, [gradOut], retain_graph: true);
            });
            bool hasWeights = macs > 0;
            backwardMacs = !hasWeights ? 0 : macs * ((wrt.Contains(input) ? 1 : 0) + (training ? 1 : 0));
        }
        foreach (var (phase, t, m) in new[] { ("forward", forward, macs), ("backward", backward, backwardMacs) })
        {
            if (phase == "backward" && wrt.Count == 0) continue;
            rows.Add(new Dictionary<string, object>
            {
                ["workload"] = workload, ["layer"] = name, ["phase"] = phase, ["shape"] = string.Join("x", y.shape),
                ["gflop"] = 2 * m / 1e9, ["wall_ms"] = t.WallMs, ["cpu_ms"] = t.CpuMs,
                ["gflop_per_cpu_s"] = m > 0 ? 2 * m / 1e9 / (t.CpuMs / 1000) : 0,
            });
        }
        x = y.detach();
    }
}
Profile("train: nature half width, batch 32", 0.5, 32, training: true);
Profile("label: nature full width, batch 64, vjp:1", 1.0, 64, training: false);
string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(new { threads, reps, load_average = load, rows }));
    return;
}
Console.WriteLine($"threads {threads}, {reps} calls each, load average {load}");
foreach (var group in rows.GroupBy(r => (string)r["workload"]))
{
    double total = group.Sum(r => (double)r["cpu_ms"]);
    double flops = group.Sum(r => (double)r["gflop"]);
    Console.WriteLine($"\n{group.Key}: {total:F2} CPU ms in all, {flops:F3} GFLOP, {flops / (total / 1000):F1} GFLOP/s");
    Console.WriteLine($"{"layer",-8} {"phase",-9} {"output",-14} {"GFLOP",8} {"CPU ms",8} {"share",6} {"GFLOP/s",8} {"wall ms",8}");
    foreach (var r in group)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r["layer"],-8} {r["phase"],-9} {r["shape"],-14} {(double)r["gflop"],8:F4} {(double)r["cpu_ms"],8:F3} {(double)r["cpu_ms"] / total,6:P0} {(double)r["gflop_per_cpu_s"],8:F1} {(double)r["wall_ms"],8:F3}"));
}
