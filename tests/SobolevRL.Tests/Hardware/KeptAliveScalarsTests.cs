using SobolevRL.Hardware;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Hardware;

/// <summary>Each kept-alive operation gives exactly (bit for bit) the value and input-gradient of the TorchSharp operation it replaces.</summary>
public class KeptAliveScalarsTests
{
    public static TheoryData<string> Differentiable() =>
        ["Times", "DividedBy", "Plus tensor", "Plus double", "Minus", "Square", "AtLeast", "AtMost", "Clamp", "LeakyRelu", "Elu"];

    [Theory]
    [MemberData(nameof(Differentiable))]
    public void Value_and_gradient_equal_the_plain_torchsharp_operation(string name)
    {
        var (kept, plain) = Pair(name);
        using var scope = NewDisposeScope();
        using var generator = new Generator(17);
        var x = (rand([6, 5], generator: generator) * 6 - 3).requires_grad_();
        var other = rand([6, 5], generator: generator);
        var weights = rand([6, 5], generator: generator);

        var expected = plain(x, other);
        var actual = kept(x, other);
        AssertBitEqual(expected, actual);
        var expectedGrad = autograd.grad([(expected * weights).sum()], [x])[0];
        var actualGrad = autograd.grad([(actual * weights).sum()], [x])[0];
        AssertBitEqual(expectedGrad, actualGrad);
    }

    [Fact]
    public void Comparisons_equal_the_plain_torchsharp_masks()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -1f, 0f, 0.5f, 1f, 2f });
        AssertBitEqual(x > 0.5, x.GreaterThan(0.5));
        AssertBitEqual(x < 1, x.LessThan(1));
        AssertBitEqual(x.ne(0), x.NotEqualTo(0));
    }

    [Fact]
    public void Integer_plus_keeps_the_integer_type()
    {
        using var scope = NewDisposeScope();
        var indices = tensor(new long[] { -2, -1, 0, 3 });
        var wrapped = indices.Plus(5L);
        Assert.Equal(ScalarType.Int64, wrapped.dtype);
        AssertBitEqual(indices + 5L, wrapped);
    }

    static void AssertBitEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(Bits(expected), Bits(actual));
    }

    static long[] Bits(Tensor t) => t.dtype == ScalarType.Float32
        ? [.. t.contiguous().data<float>().ToArray().Select(v => (long)BitConverter.SingleToInt32Bits(v))]
        : t.to(ScalarType.Int64).contiguous().data<long>().ToArray();

    static (Func<Tensor, Tensor, Tensor> Kept, Func<Tensor, Tensor, Tensor> Plain) Pair(string name) => name switch
    {
        "Times" => ((x, _) => x.Times(0.3), (x, _) => x * 0.3),
        "DividedBy" => ((x, _) => x.DividedBy(0.7), (x, _) => x / 0.7),
        "Plus tensor" => ((x, o) => x.Plus(o), (x, o) => x + o),
        "Plus double" => ((x, _) => x.Plus(1e-3), (x, _) => x + 1e-3),
        "Minus" => ((x, _) => x.Minus(0.1), (x, _) => x - 0.1),
        "Square" => ((x, _) => x.Square(), (x, _) => x.square()),
        "AtLeast" => ((x, _) => x.AtLeast(-0.5), (x, _) => x.clamp_min(-0.5)),
        "AtMost" => ((x, _) => x.AtMost(0), (x, _) => x.clamp_max(0)),
        "Clamp" => ((x, _) => x.Clamp(-1.2, 0.8), (x, _) => x.clamp(-1.2, 0.8)),
        "LeakyRelu" => ((x, _) => x.LeakyRelu(0.01f), (x, _) => F.leaky_relu(x, 0.01f)),
        "Elu" => ((x, _) => x.Elu(0.7f), (x, _) => F.elu(x, 0.7f)),
        _ => throw new ArgumentException(name),
    };
}
