#:project ../../src/SobolevRL.Runtime/SobolevRL.Runtime.csproj
#:property PublishAot=false
// Are libtorch's oneDNN float32 convolution kernels right here, and faster than its native ones? Re-enables oneDNN
// (the library switches it off when it loads, Hardware/OneDnnConvolutionWorkaround), then for random shapes compares the
// forward pass, input-gradient and weight-gradient with float64 (3 calls each), and times the Nature student's three
// convolutions (forward + both gradients, process CPU time) with oneDNN and with the native kernels, interleaved.
//   [ONEDNN_MAX_CPU_ISA=AVX2|AVX|SSE41] dotnet run -c Release tests/benchmarks/OneDnnKernelSweep.cs -- [threads 2] [cases 200] [--json]
// A case fails when the input- or weight-gradient is outside rtol 1e-5 / atol 1e-5 (weights: + 1e-4 of the largest
// value) or NaN; the forward pass is reported but not counted (long sums differ by float32 rounding, ~1e-5).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
int cases = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
_ = SobolevRL.Hardware.OneDnnConvolutionWorkaround.Apply();
torch.set_num_threads(threads);
IntPtr context = Native.GlobalContext();

static double Excess(Tensor expected, Tensor actual, double slack)
{
    using var scope = NewDisposeScope();
    Tensor e = expected.to(ScalarType.Float64), a = actual.to(ScalarType.Float64);
    if (a.isnan().any().item<bool>()) return double.NaN;
    return ((a - e).abs() - (e.abs() * 1e-5 + 1e-5 + slack)).max().item<double>();
}

Native.SetUserEnabledMkldnn(context, true);
var rng = new Random(7);
int[] ins = [1, 2, 3, 4, 5, 8, 16, 32], outs = [1, 4, 8, 16, 32], kernels = [1, 3, 4, 8], strides = [1, 2, 4], batches = [1, 2, 7, 32];
var failures = new List<string>();
int tested = 0;
torch.manual_seed(7);
for (int c = 0; c < cases; c++)
{
    using var scope = NewDisposeScope();
    int ic = ins[rng.Next(ins.Length)], oc = outs[rng.Next(outs.Length)], k = kernels[rng.Next(kernels.Length)];
    int s = strides[rng.Next(strides.Length)], b = batches[rng.Next(batches.Length)], pad = rng.Next(2), hw = rng.Next(2) == 0 ? 10 : 21;
    tested++;
    Tensor x = torch.rand(b, ic, hw, hw), w = torch.rand(oc, ic, k, k) - 0.5f;
    Tensor x64 = x.to(ScalarType.Float64).requires_grad_(true), w64 = w.to(ScalarType.Float64).requires_grad_(true);
    Tensor y64 = F.conv2d(x64, w64, strides: [s, s], padding: [pad, pad]);
    Tensor upstream = torch.rand_like(y64) - 0.5;
    var g64 = torch.autograd.grad([y64], [x64, w64], [upstream]);
    double forward = 0, input = 0, weight = 0;
    for (int call = 0; call < 3; call++)
    {
        Tensor x32 = x.clone().requires_grad_(true), w32 = w.clone().requires_grad_(true);
        Tensor y32 = F.conv2d(x32, w32, strides: [s, s], padding: [pad, pad]);
        var g32 = torch.autograd.grad([y32], [x32, w32], [upstream.to(ScalarType.Float32)]);
        forward = Math.Max(forward, Excess(y64, y32.detach(), 0));
        input = double.IsNaN(input) ? input : Math.Max(input, Excess(g64[0], g32[0], 0));
        weight = double.IsNaN(weight) ? weight : Math.Max(weight, Excess(g64[1], g32[1], 1e-4 * g64[1].abs().max().item<double>()));
    }
    if (!(input <= 0 && weight <= 0))
        failures.Add($"b{b} {ic}->{oc} {k}x{k}/{s} pad {pad} {hw}x{hw}: input-gradient excess {input:G3}, weight-gradient excess {weight:G3}");
}

// Nature student convolutions, batch 32: forward + input- and weight-gradients, CPU ms per pass, oneDNN vs native.
(int In, int Out, int K, int S, int Hw)[] nature = [(4, 16, 8, 4, 84), (16, 32, 4, 2, 20), (32, 32, 3, 1, 9)];
double Pass()
{
    var process = Process.GetCurrentProcess();
    TimeSpan start = process.TotalProcessorTime;
    for (int r = 0; r < 20; r++)
    {
        using var scope = NewDisposeScope();
        foreach (var (i, o, k, s, hw) in nature)
        {
            Tensor x = torch.rand(32, i, hw, hw).requires_grad_(true), w = torch.rand(o, i, k, k).requires_grad_(true);
            Tensor y = F.conv2d(x, w, strides: [s, s]);
            _ = torch.autograd.grad([y], [x, w], [torch.ones_like(y)]);
        }
    }
    process.Refresh();
    return (process.TotalProcessorTime - start).TotalMilliseconds / 20;
}
var oneDnnMs = new List<double>();
var nativeMs = new List<double>();
for (int round = 0; round < 3; round++)
{
    Native.SetUserEnabledMkldnn(context, true);
    oneDnnMs.Add(Pass());
    Native.SetUserEnabledMkldnn(context, false);
    nativeMs.Add(Pass());
}
double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
string isa = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "default";
string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        isa, threads, cases = tested, failed = failures.Count, failures,
        nature_convs_cpu_ms_onednn = Median(oneDnnMs), nature_convs_cpu_ms_native = Median(nativeMs), load_average = load,
    }));
    return;
}
foreach (string f in failures) Console.WriteLine("FAIL " + f);
Console.WriteLine($"oneDNN (ONEDNN_MAX_CPU_ISA={isa}), {threads} threads: {failures.Count} of {tested} shapes with wrong gradients");
Console.WriteLine($"Nature student convolutions (forward + both gradients, batch 32), CPU ms per pass: oneDNN {Median(oneDnnMs):F1}, native {Median(nativeMs):F1} (load {load})");

static class Native
{
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    public static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    public static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
