using SobolevRL.Hardware;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

using SobolevRL.Tests.Onnx;

namespace SobolevRL.Tests.Hardware;

/// <summary>
/// With the workaround (applied when the SobolevRL assembly loads), float32 convolution
/// input-gradients agree with float64 on every call, on 1 and 2 threads. The shapes include those oneDNN's AVX-512 and
/// AVX2 backward-data kernels get wrong on this project's machines (wrong values or NaN), so a wrong kernel fails here.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class OneDnnConvolutionWorkaroundTests
{
    [Theory]
    [InlineData(2, 2, 8, 3, 2, 10)] // wrong with oneDNN AVX-512
    [InlineData(32, 4, 8, 3, 1, 10)] // the MinAtar student's convolution; NaN with oneDNN AVX-512
    [InlineData(7, 3, 1, 3, 1, 10)] // wrong with oneDNN AVX2
    [InlineData(1, 1, 4, 4, 1, 21)] // wrong with oneDNN AVX2
    [InlineData(3, 4, 16, 3, 1, 10)]
    [InlineData(32, 4, 16, 8, 4, 84)] // the Nature student's convolutions
    [InlineData(32, 16, 32, 4, 2, 20)]
    [InlineData(32, 32, 32, 3, 1, 9)]
    public void ConvolutionGradientsMatchFloat64OnOneAndTwoThreads(int batch, int inChannels, int outChannels, int kernel, int stride, int size)
    {
        Assert.True(OneDnnConvolutionWorkaround.Apply());
        int threads = torch.get_num_threads();
        try
        {
            foreach (int t in new[] { 1, 2 })
            {
                torch.set_num_threads(t);
                using var scope = NewDisposeScope();
                torch.manual_seed(5);
                Tensor x = torch.rand(batch, inChannels, size, size);
                Tensor w = torch.rand(outChannels, inChannels, kernel, kernel) - 0.5f;
                Tensor x64 = x.to(ScalarType.Float64).requires_grad_(true);
                Tensor y64 = F.conv2d(x64, w.to(ScalarType.Float64), strides: [stride, stride]);
                Tensor upstream = torch.rand_like(y64) - 0.5;
                Tensor expected = torch.autograd.grad([y64], [x64], [upstream])[0].to(ScalarType.Float32);
                for (int call = 0; call < 3; call++)
                {
                    Tensor x32 = x.clone().requires_grad_(true);
                    Tensor y32 = F.conv2d(x32, w, strides: [stride, stride]);
                    Tensor actual = torch.autograd.grad([y32], [x32], [upstream.to(ScalarType.Float32)])[0];
                    TensorAssert.Close(expected, actual, 1e-5, 1e-5,
                        $"conv b{batch} {inChannels}->{outChannels} {kernel}x{kernel}/{stride} ({t} threads, call {call})");
                }
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>Sobolev training needs the double backward through convolutions: float32 equals float64 there too.</summary>
    [Fact]
    public void Float32ConvolutionDoubleBackwardMatchesFloat64()
    {
        Assert.True(OneDnnConvolutionWorkaround.Apply());
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        Tensor x = torch.rand(2, 3, 12, 12);
        Tensor w = torch.rand(4, 3, 4, 4) - 0.5f;
        Tensor WeightGradient(ScalarType type)
        {
            Tensor xi = x.to(type).requires_grad_(true);
            Tensor wi = w.to(type).requires_grad_(true);
            Tensor y = F.conv2d(xi, wi, strides: [2, 2]).tanh().sum();
            Tensor gx = torch.autograd.grad([y], [xi], retain_graph: true, create_graph: true)[0];
            return torch.autograd.grad([gx.pow(2).sum()], [wi])[0];
        }
        Tensor expected = WeightGradient(ScalarType.Float64).to(ScalarType.Float32);
        for (int rep = 0; rep < 3; rep++)
        {
            TensorAssert.Close(expected, WeightGradient(ScalarType.Float32), 1e-4, 1e-5, $"call {rep}");
        }
    }
}
