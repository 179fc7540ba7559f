#:project ../../src/SobolevRL.Teachers/SobolevRL.Teachers.csproj
#:property PublishAot=false
// Issue 20: five ways to compute the Nature CNN's first convolution (8×8 kernel, stride 4, 4 input channels), which the
// per-layer profile (NatureLayerProfile.cs) found taking 60% of the plain step and 50% of labelling at 5–12 GFLOP/s:
//   conv 8x8/4          libtorch's native kernel on the input as it is (what labelling's rebuilt ONNX graph runs);
//   phase conv          stride-1 2×2 convolution of the space-to-depth input (what the student's step runs,
//                       Sobolev/ExplicitInputGradients);
//   ... CL              the same with channels-last strides on input and weights;
//   phase nhwc gemm     one im2col of the whole batch in NHWC order and ONE matrix product (B·400 × 256 by 256 × C);
//   direct unfold gemm  F.unfold of the 8×8/4 windows, then one matrix product.
// For each: the largest difference from a float64 reference, CPU ms per call of the forward, and of the forward plus the
// backward the workload needs (train: weight and bias gradients, input not differentiated; label: input gradient only).
// One libtorch thread, so process CPU time is the op's own time; 2 warm-ups, then `reps` calls.
//   dotnet run -c Release tests/benchmarks/FirstConvForms.cs -- [reps 20] [--json]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
int reps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
SobolevRL.Hardware.NativeRuntimeSetup.Apply();
torch.set_num_threads(1);
using var process = Process.GetCurrentProcess();

double CpuMs(Action call)
{
    call();
    call();
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    for (int i = 0; i < reps; i++) call();
    process.Refresh();
    return (process.TotalProcessorTime - cpu0).TotalMilliseconds / reps;
}

static Tensor PhaseWeights(Tensor w, long s) => SobolevRL.Sobolev.SpaceToDepthConvolution.Weights(w, s);

static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

// Stride-1 k×k convolution as one matrix product: an NHWC window view of the input copied to [B·L, k·k·Cin] rows.
static Tensor NhwcGemm(Tensor x, Tensor w, Tensor b)
{
    long n = x.shape[0], cin = x.shape[1], h = x.shape[2], wd = x.shape[3], cout = w.shape[0], k = w.shape[2];
    long oh = h - k + 1, ow = wd - k + 1;
    var nhwc = x.permute(0, 2, 3, 1).contiguous();
    var rows = nhwc.as_strided([n, oh, ow, k, k, cin], [h * wd * cin, wd * cin, cin, wd * cin, cin, 1]).reshape(n * oh * ow, k * k * cin);
    var y = addmm(b, rows, w.permute(0, 2, 3, 1).reshape(cout, -1).t(), 1, 1);
    return y.view(n, oh * ow, cout).transpose(1, 2).reshape(n, cout, oh, ow);
}

static Tensor UnfoldGemm(Tensor x, Tensor w, Tensor b)
{
    long n = x.shape[0], cout = w.shape[0];
    var cols = nn.functional.unfold(x, 8, stride: 4);
    long positions = cols.shape[2], side = (long)Math.Sqrt(positions);
    var y = addmm(b, cols.transpose(1, 2).reshape(n * positions, cols.shape[1]), w.reshape(cout, -1).t(), 1, 1);
    return y.view(n, positions, cout).transpose(1, 2).reshape(n, cout, side, side);
}

var forms = new (string Name, Func<Tensor, Tensor, Tensor, Tensor> Conv)[]
{
    ("conv 8x8/4", (x, w, b) => nn.functional.conv2d(x, w, b, [4, 4])),
    ("conv 8x8/4 CL", (x, w, b) => nn.functional.conv2d(ChannelsLast(x), ChannelsLast(w), b, [4, 4])),
    ("phase conv", (x, w, b) => nn.functional.conv2d(nn.functional.pixel_unshuffle(x, 4), PhaseWeights(w, 4), b)),
    ("phase conv CL", (x, w, b) => nn.functional.conv2d(ChannelsLast(nn.functional.pixel_unshuffle(x, 4)), ChannelsLast(PhaseWeights(w, 4)), b)),
    ("phase nhwc gemm", (x, w, b) => NhwcGemm(nn.functional.pixel_unshuffle(x, 4), PhaseWeights(w, 4), b)),
    ("direct unfold gemm", UnfoldGemm),
};

var rows = new List<Dictionary<string, object>>();
foreach (var (workload, width, batch, train) in new[] { ("train (half width, batch 32)", 16L, 32L, true), ("label (full width, batch 64)", 32L, 64L, false) })
{
    manual_seed(0);
    using var scope = NewDisposeScope();
    var w = randn(width, 4, 8, 8).mul(0.05).requires_grad_();
    var b = randn(width).mul(0.1).requires_grad_();
    var x = rand(batch, 4, 84, 84).requires_grad_(!train);
    var cotangent = randn(batch, width, 20, 20);
    Tensor reference;
    using (no_grad()) reference = nn.functional.conv2d(x.to(float64), w.to(float64), b.to(float64), [4, 4]);
    double gflop = 2.0 * batch * width * 400 * 256 / 1e9;
    foreach (var (name, conv) in forms)
    {
        double error;
        using (no_grad()) error = (conv(x, w, b).to(float64) - reference).abs().max().item<double>();
        double forward = CpuMs(() => { using var s = NewDisposeScope(); using (no_grad()) conv(x, w, b); });
        double withBackward = CpuMs(() =>
        {
            using var s = NewDisposeScope();
            autograd.grad([conv(x, w, b)], train ? [w, b] : [x], [cotangent]);
        });
        rows.Add(new()
        {
            ["workload"] = workload, ["form"] = name, ["max_abs_error"] = error, ["forward_cpu_ms"] = forward,
            ["forward_gflops"] = gflop / forward * 1e3, ["forward_backward_cpu_ms"] = withBackward,
        });
    }
}
if (json) { Console.WriteLine(JsonSerializer.Serialize(new { reps, rows })); return; }
Console.WriteLine($"{"workload",-30} {"form",-20} {"max |err|",10} {"fwd ms",8} {"GFLOP/s",8} {"fwd+bwd ms",11}");
foreach (var r in rows)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r["workload"],-30} {r["form"],-20} {(double)r["max_abs_error"],10:E1} {(double)r["forward_cpu_ms"],8:F2} {(double)r["forward_gflops"],8:F1} {(double)r["forward_backward_cpu_ms"],11:F2}"));
