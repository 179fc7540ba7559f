using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>Elementwise tensor comparison with a tolerance |a − e| ≤ rtol·|e| + atol and readable failures.</summary>
public static class TensorAssert
{
    public static void Close(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{what}: type {actual.dtype}, expected {expected.dtype}");
        using var scope = NewDisposeScope();
        if (!expected.is_floating_point())
        {
            Assert.True(expected.equal(actual.detach().cpu()).all().item<bool>(), $"{what}: integer values differ");
            return;
        }
        Tensor e = expected.to(ScalarType.Float64), a = actual.detach().cpu().to(ScalarType.Float64);
        Tensor bothNan = e.isnan() & a.isnan();
        Tensor sameInf = e.isinf() & (e == a);
        Tensor close = (a - e).abs() <= (e.abs() * rtol + atol);
        Tensor ok = bothNan | sameInf | close;
        long bad = (~ok).sum().item<long>();
        if (bad > 0)
        {
            Tensor diff = torch.where(ok, 0.0, (a - e).abs().nan_to_num(1e30));
            long worst = diff.flatten().argmax().item<long>();
            Assert.Fail($"{what}: {bad} of {e.numel()} values out of tolerance; worst at flat index {worst}: " +
                $"actual {a.flatten()[worst].item<double>()}, expected {e.flatten()[worst].item<double>()}");
        }
    }
}
