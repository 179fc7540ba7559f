using SobolevRL.Config;

namespace SobolevRL.Regression;

/// <summary>
/// Settings of the regression experiment (paper experiment 1). Defaults reproduce the full run; in
/// YAML configs and <c>--set</c> the keys are snake_case (<c>learning_rate</c>, <c>grid_size</c>, …).
/// </summary>
public sealed record RegressionOptions : IValidatable
{
    /// <summary>Names of the test functions to fit (see <see cref="TestFunctions"/>).</summary>
    public string[] Functions { get; init; } = TestFunctions.Paper.Select(f => f.Name).ToArray();

    /// <summary>Training-set sizes; each is a fresh uniform sample of the domain per seed.</summary>
    public int[] Sizes { get; init; } = [20, 100];

    /// <summary>Number of seeds (0, 1, …) per function and size; results are mean ± std over them.</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Offset added to every seed, to draw a different family of runs.</summary>
    public int BaseSeed { get; init; }

    /// <summary>Full-batch Adam steps, the same for Regular and Sobolev training.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Width of the two hidden ReLU layers.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>λ_1, weight of the gradient term in Sobolev training.</summary>
    public double DerivativeWeight { get; init; } = 1.0;

    /// <summary>Size of the held-out uniform test set per function.</summary>
    public int TestPoints { get; init; } = 10_000;

    /// <summary>Points per side of the grid the fitted surfaces are drawn on; 0 skips surfaces and plots.</summary>
    public int GridSize { get; init; } = 100;

    /// <summary>
    /// Size of a separate uniform validation sample per function (0: none, the last weights are scored). With one,
    /// every model keeps its snapshot of lowest validation value MSE (checked every <see cref="ValidationEvery"/>
    /// steps), and the grids below are searched on it.
    /// </summary>
    public int ValidationPoints { get; init; }

    /// <summary>Steps between validation checks (needs <see cref="ValidationPoints"/>).</summary>
    public int ValidationEvery { get; init; } = 100;

    /// <summary>
    /// Learning rates searched per function, size and mode on the validation sample (empty: <see cref="LearningRate"/>).
    /// </summary>
    public double[] LearningRateGrid { get; init; } = [];

    /// <summary>λ values searched per function and size for Sobolev training (empty: <see cref="DerivativeWeight"/>).</summary>
    public double[] LambdaGrid { get; init; } = [];

    /// <summary>
    /// Training samples (seeds disjoint from the scored ones) each grid point is trained on; it is scored by the
    /// geometric mean of their best validation MSEs.
    /// </summary>
    public int TuningSeeds { get; init; } = 2;

    /// <summary>
    /// Also train the control "Regular on 3n points" (as many labelled numbers as Sobolev's n values and 2n partial
    /// derivatives; its sample extends the n-point one of the same seed).
    /// </summary>
    public bool RegularOnThreeN { get; init; }

    /// <summary>Torch device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "cpu";

    /// <inheritdoc />
    public void Validate(string path)
    {
        string Key(string name) => path.Length == 0 ? name : $"{path}.{name}";
        Check.NotEmpty(Functions, Key("functions"));
        foreach (var name in Functions)
        {
            TestFunctions.ByName(name);
        }

        Check.NotEmpty(Sizes, Key("sizes"));
        foreach (var size in Sizes)
        {
            Check.InRange(size, 2, 1_000_000, Key("sizes"));
        }

        Check.InRange(Seeds, 1, 10_000, Key("seeds"));
        Check.InRange(Steps, 1, 100_000_000, Key("steps"));
        Check.Positive(LearningRate, Key("learning_rate"));
        Check.InRange(Hidden, 1, 1_000_000, Key("hidden"));
        Check.NonNegative(DerivativeWeight, Key("derivative_weight"));
        Check.InRange(TestPoints, 1, 100_000_000, Key("test_points"));
        Check.InRange(GridSize, 0, 10_000, Key("grid_size"));
        Check.InRange(ValidationPoints, 0, 100_000_000, Key("validation_points"));
        Check.InRange(ValidationEvery, 1, 100_000_000, Key("validation_every"));
        Check.InRange(TuningSeeds, 1, 1000, Key("tuning_seeds"));
        foreach (var rate in LearningRateGrid)
        {
            Check.Positive(rate, Key("learning_rate_grid"));
        }

        foreach (var lambda in LambdaGrid)
        {
            Check.NonNegative(lambda, Key("lambda_grid"));
        }

        if ((LearningRateGrid.Length > 0 || LambdaGrid.Length > 0) && ValidationPoints == 0)
        {
            throw new UserErrorException(
                $"config {UserErrorException.Key(Key("learning_rate_grid"))} / {UserErrorException.Key(Key("lambda_grid"))}: a grid is searched on a validation sample; set {UserErrorException.Key(Key("validation_points"))} above 0 (e.g. 1000)");
        }

        if (GridSize == 1)
        {
            throw new UserErrorException($"config {Key("grid_size")}: 1 is too small for a grid; use 0 (no surfaces) or at least 2");
        }
    }

    /// <summary>Validates and returns the selected functions.</summary>
    /// <exception cref="UserErrorException">A value is out of range or a function name is unknown.</exception>
    public IReadOnlyList<TestFunction> ResolveFunctions()
    {
        Validate("");
        return Functions.Select(TestFunctions.ByName).ToArray();
    }
}
