using SobolevRL.Regression;

namespace SobolevRL.Tests.Regression;

public class TestFunctionTests
{
    public static TheoryData<string> Names => new(TestFunctions.All.Select(f => f.Name));

    /// <summary>Analytic gradients against central differences at random points of the domain.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void AnalyticGradient_MatchesCentralFiniteDifferences(string name)
    {
        var function = TestFunctions.ByName(name);
        var d = function.Domain;
        var random = new Random(17);
        int checkedPoints = 0;
        while (checkedPoints < 200)
        {
            double x1 = d.X1Min + ((d.X1Max - d.X1Min) * random.NextDouble());
            double x2 = d.X2Min + ((d.X2Max - d.X2Min) * random.NextDouble());
            const double h = 1e-6;
            if (!FarFromKinks(function, x1, x2, 1e3 * h))
            {
                continue;
            }

            var (d1, d2) = function.Gradient(x1, x2);
            var n1 = (function.Value(x1 + h, x2) - function.Value(x1 - h, x2)) / (2 * h);
            var n2 = (function.Value(x1, x2 + h) - function.Value(x1, x2 - h)) / (2 * h);
            var scale = Math.Max(1.0, Math.Abs(function.Value(x1, x2)) + Math.Abs(d1) + Math.Abs(d2));
            Assert.True(Math.Abs(d1 - n1) < 1e-6 * scale, $"{name} ∂/∂x1 at ({x1}, {x2}): analytic {d1}, numeric {n1}");
            Assert.True(Math.Abs(d2 - n2) < 1e-6 * scale, $"{name} ∂/∂x2 at ({x1}, {x2}): analytic {d2}, numeric {n2}");
            checkedPoints++;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GlobalMinimum_HasTheDocumentedValue_AndLiesInTheDomain(string name)
    {
        var function = TestFunctions.ByName(name);
        var (x1, x2, value) = function.GlobalMinimum;
        var d = function.Domain;
        Assert.InRange(x1, d.X1Min, d.X1Max);
        Assert.InRange(x2, d.X2Min, d.X2Max);
        Assert.Equal(value, function.Value(x1, x2), 3);
        if (name is not ("ackley" or "bukin6"))
        {
            var (d1, d2) = function.Gradient(x1, x2);
            Assert.True(Math.Abs(d1) < 1e-3 && Math.Abs(d2) < 1e-3, $"{name}: gradient ({d1}, {d2}) at the minimum");
        }
    }

    [Fact]
    public void ByName_RejectsAnUnknownName_AndListsTheKnownOnes()
    {
        var error = Assert.Throws<UserErrorException>(() => TestFunctions.ByName("himmelblau"));
        Assert.Contains("rosenbrock", error.Message);
        Assert.Same(TestFunctions.ByName("Rosenbrock"), TestFunctions.ByName("rosenbrock"));
    }

    // Bukin N.6 has |·| and √|·| kinks; Ackley a cone tip at the origin.
    private static bool FarFromKinks(TestFunction function, double x1, double x2, double margin) => function.Name switch
    {
        "bukin6" => Math.Abs(x2 - (0.01 * x1 * x1)) > margin && Math.Abs(x1 + 10) > margin,
        "ackley" => Math.Abs(x1) + Math.Abs(x2) > margin,
        _ => true,
    };
}
