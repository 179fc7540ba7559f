namespace SobolevRL.Regression;

/// <summary>Settings of the regression experiment (paper experiment 1). Defaults reproduce the full run.</summary>
public sealed record RegressionOptions
{
    /// <summary>Names of the test functions to fit (see <see cref="TestFunctions"/>).</summary>
    public IReadOnlyList<string> Functions { get; init; } = TestFunctions.All.Select(f => f.Name).ToArray();

    /// <summary>Training-set sizes; each is a fresh uniform sample of the domain per seed.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [20, 100];

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
    /// Models trained in parallel (each with one intra-op thread while the run lasts); results do
    /// not depend on it.
    /// </summary>
    public int Workers { get; init; } = 2;

    /// <summary>Torch device, "cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Checks the values and resolves the function names.</summary>
    /// <exception cref="ArgumentException">A value is out of range or a function name is unknown.</exception>
    public IReadOnlyList<TestFunction> Validate()
    {
        if (Functions.Count == 0)
        {
            throw new ArgumentException("No test function selected.");
        }

        if (Sizes.Count == 0 || Sizes.Any(s => s < 2))
        {
            throw new ArgumentException("Training-set sizes must be at least 2.");
        }

        if (Seeds < 1 || Steps < 1 || Workers < 1 || Hidden < 1 || TestPoints < 1 || GridSize < 0 || LearningRate <= 0 || DerivativeWeight < 0)
        {
            throw new ArgumentException("Seeds, steps, workers, hidden width, test points and learning rate must be positive; grid size and derivative weight not negative.");
        }

        return Functions.Select(TestFunctions.ByName).ToArray();
    }
}
