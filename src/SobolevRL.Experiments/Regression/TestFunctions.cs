using SobolevRL.Regression.Functions;

namespace SobolevRL.Regression;

/// <summary>The seven functions of the paper's regression experiment, by name.</summary>
public static class TestFunctions
{
    /// <summary>All functions, in the paper's order.</summary>
    public static IReadOnlyList<TestFunction> All { get; } =
        [new Ackley(), new Beale(), new Booth(), new BukinN6(), new McCormick(), new Rosenbrock(), new StyblinskiTang()];

    /// <summary>The function called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UserErrorException">No function has that name; the message lists the known names.</exception>
    public static TestFunction ByName(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new UserErrorException($"unknown test function '{name}'; choose from {string.Join(", ", All.Select(f => f.Name))}");
}
