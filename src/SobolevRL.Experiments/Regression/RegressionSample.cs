using static TorchSharp.torch;

namespace SobolevRL.Regression;

/// <summary>Points of the plane with a function's values and gradients there, in original units.</summary>
/// <param name="X1">First coordinates.</param>
/// <param name="X2">Second coordinates.</param>
/// <param name="Values">f at each point.</param>
/// <param name="D1">∂f/∂x1 at each point.</param>
/// <param name="D2">∂f/∂x2 at each point.</param>
public sealed record RegressionSample(double[] X1, double[] X2, double[] Values, double[] D1, double[] D2)
{
    /// <summary>Number of points.</summary>
    public int Count => X1.Length;

    /// <summary>Evaluates <paramref name="function"/> at the given points.</summary>
    public static RegressionSample At(TestFunction function, double[] x1, double[] x2)
    {
        var values = new double[x1.Length];
        var d1 = new double[x1.Length];
        var d2 = new double[x1.Length];
        for (int i = 0; i < x1.Length; i++)
        {
            values[i] = function.Value(x1[i], x2[i]);
            (d1[i], d2[i]) = function.Gradient(x1[i], x2[i]);
        }

        return new RegressionSample(x1, x2, values, d1, d2);
    }

    /// <summary><paramref name="count"/> points drawn uniformly from the function's domain with a seeded CPU generator.</summary>
    public static RegressionSample Uniform(TestFunction function, int count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var unit = rand([count, 2], dtype: ScalarType.Float64, generator: generator);
        var u = unit.data<double>().ToArray();
        var d = function.Domain;
        var x1 = new double[count];
        var x2 = new double[count];
        for (int i = 0; i < count; i++)
        {
            x1[i] = d.X1Min + (d.X1Max - d.X1Min) * u[2 * i];
            x2[i] = d.X2Min + (d.X2Max - d.X2Min) * u[(2 * i) + 1];
        }

        return At(function, x1, x2);
    }

    /// <summary>A <paramref name="size"/> × <paramref name="size"/> grid over the domain, x1 varying fastest.</summary>
    public static RegressionSample Grid(TestFunction function, int size)
    {
        var d = function.Domain;
        var x1 = new double[size * size];
        var x2 = new double[size * size];
        for (int row = 0; row < size; row++)
        {
            for (int col = 0; col < size; col++)
            {
                x1[(row * size) + col] = d.X1Min + ((d.X1Max - d.X1Min) * col / (size - 1));
                x2[(row * size) + col] = d.X2Min + ((d.X2Max - d.X2Min) * row / (size - 1));
            }
        }

        return At(function, x1, x2);
    }
}
