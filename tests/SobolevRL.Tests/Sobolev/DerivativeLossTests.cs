using SobolevRL.Sobolev;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

public class DerivativeLossTests
{
    [Fact]
    public void SquaredL2_IsTheMeanOverBatchAndRowsOfTheSquaredRowDistance()
    {
        using var scope = NewDisposeScope();
        // Two examples, one row each, rows of 2×2 "images": distances² 1+4 = 5 and 9.
        var student = tensor(new double[] { 1, 0, 0, 2, 3, 0, 0, 0 }).reshape(2, 1, 2, 2);
        var teacher = zeros_like(student);
        Assert.Equal(7.0, DerivativeLoss.Compute(student, teacher, DerivativeLossKind.SquaredL2).item<double>(), 12);
    }

    [Fact]
    public void NormalisedL2_IgnoresScale_AndIsTwoForOrthogonalDirections()
    {
        using var scope = NewDisposeScope();
        var student = tensor(new double[] { 3, 0 }).reshape(1, 1, 2);
        var teacher = tensor(new double[] { 0, 0.5 }).reshape(1, 1, 2);
        Assert.Equal(2.0, DerivativeLoss.Compute(student, teacher, DerivativeLossKind.NormalisedL2).item<double>(), 12);
        Assert.Equal(0.0, DerivativeLoss.Compute(7 * teacher, teacher, DerivativeLossKind.NormalisedL2).item<double>(), 12);
        Assert.Equal(9.25, DerivativeLoss.Compute(student, teacher, DerivativeLossKind.SquaredL2).item<double>(), 12);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => DerivativeLoss.Compute(Randn(1, 2, 3), Randn(1, 2, 4), DerivativeLossKind.SquaredL2));
    }
}
