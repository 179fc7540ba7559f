using SobolevRL.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Onnx;

/// <summary>With the workaround applied, float32 convolution input-gradients agree with float64 on every call.</summary>
public class OneDnnConvolutionWorkaroundTests
{
    [Fact]
    public void Float32ConvolutionInputGradientMatchesFloat64()
    {
        Assert.True(OneDnnConvolutionWorkaround.Apply());
        using var scope = NewDisposeScope();
        var generator = torch.manual_seed(3);
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
}
