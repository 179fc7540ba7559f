using SobolevRL.Onnx;
using SobolevRL.Hardware;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

using SobolevRL.Tests.Onnx;

namespace SobolevRL.Tests.Hardware;

/// <summary>
/// With the workaround (applied when the SobolevRL assembly loads), float32 convolution input-gradients agree with
/// float64 on every call. Without it, the first case gives wrong values and NaNs on this project's machines.
/// </summary>
public class OneDnnConvolutionWorkaroundTests
{
    [Theory]
    [InlineData(2, 8, 3, 1)]
    [InlineData(4, 16, 3, 1)]
    [InlineData(4, 16, 8, 4)]
    public void MinAtarAndNatureShapedConvolutionGradientsMatchFloat64(int inChannels, int outChannels, int kernel, int stride)
    {
        // What loading the library does (idempotent): its module initializer applies the workaround.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(OneDnnConvolutionWorkaround).Module.ModuleHandle);
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        Tensor x = torch.rand(3, inChannels, kernel == 8 ? 84 : 10, kernel == 8 ? 84 : 10);
        Tensor w = torch.rand(outChannels, inChannels, kernel, kernel) - 0.5f;
        Tensor x64 = x.to(ScalarType.Float64).requires_grad_(true);
        Tensor expected = torch.autograd.grad([F.conv2d(x64, w.to(ScalarType.Float64), strides: [stride, stride]).sum()], [x64])[0];
        Tensor x32 = x.clone().requires_grad_(true);
        Tensor actual = torch.autograd.grad([F.conv2d(x32, w, strides: [stride, stride]).sum()], [x32])[0];
        TensorAssert.Close(expected.to(ScalarType.Float32), actual, 1e-5, 1e-5, $"conv {inChannels}->{outChannels} {kernel}x{kernel}/{stride}");
    }


    [Fact]
    public void Float32ConvolutionInputGradientMatchesFloat64()
    {
        Assert.True(OneDnnConvolutionWorkaround.Apply());
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        Tensor x = torch.rand(2, 2, 10, 10);
        Tensor w = torch.rand(8, 2, 3, 3) - 0.5f;
        Tensor x64 = x.to(ScalarType.Float64).requires_grad_(true);
        Tensor expected = torch.autograd.grad([F.conv2d(x64, w.to(ScalarType.Float64), strides: [2, 2]).sum()], [x64])[0];
        for (int rep = 0; rep < 5; rep++)
        {
            Tensor x32 = x.clone().requires_grad_(true);
            Tensor actual = torch.autograd.grad([F.conv2d(x32, w, strides: [2, 2]).sum()], [x32])[0];
            TensorAssert.Close(expected.to(ScalarType.Float32), actual, 1e-5, 1e-5, $"call {rep}");
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
