using SobolevRL.Regression.Functions;

namespace SobolevRL.Regression;

/// <summary>
/// The seven functions of the paper's regression experiment, by name, then Ackley on [−5, 5]² (<c>ackley-5</c>; last, so
/// the catalog places, and with them the seeds, of the seven are unchanged).
/// </summary>
public static class TestFunctions
{
    /// <summary>All functions: the paper's seven in its order, then <c>ackley-5</c>.</summary>
    public static IReadOnlyList<TestFunction> All { get; } =
        [new Ackley(), new Beale(), new Booth(), new BukinN6(), new McCormick(), new Rosenbrock(), new StyblinskiTang(), new Ackley("ackley-5", 5)];

    /// <summary>The paper's seven functions (the default of <see cref="RegressionOptions.Functions"/>).</summary>
    public static IReadOnlyList<TestFunction> Paper => All.Take(7).ToArray();

    /// <summary>The function called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UserErrorException">No function has that name; the message lists the known names.</exception>
    public static TestFunction ByName(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new UserErrorException($"unknown test function '{name}'; choose from {string.Join(", ", All.Select(f => f.Name))}");
}
