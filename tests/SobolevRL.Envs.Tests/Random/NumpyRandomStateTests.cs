using System.Globalization;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Tests.Random;

public class NumpyRandomStateTests
{
    [Fact]
    public void MatchesNumpyLegacyRandomState()
    {
        string? missing = PythonOracle.MissingReason();
        if (missing != null) { Assert.Skip(missing); }
        string[] lines = PythonOracle.RunLines("""
            import numpy as np
            for seed in (0, 1, 12345, 4294967295):
                r = np.random.RandomState(seed)
                out = [repr(r.rand()) for _ in range(700)]
                out += [str(r.randint(0, n)) for n in (1, 2, 3, 7, 8, 10, 100, 1000, 2**31 - 1)]
                out += [str(r.choice(n)) for n in (2, 5, 9)]
                out += [str(r.choice([10, 20, 30, 40])), repr(r.rand())]
                print(" ".join(out))
            """);
        uint[] seeds = { 0, 1, 12345, 4294967295 };
        for (int s = 0; s < seeds.Length; s++)
        {
            string[] expected = lines[s].Split(' ');
            var rng = new NumpyRandomState(seeds[s]);
            var actual = new List<string>();
            for (int i = 0; i < 700; i++) actual.Add(rng.Rand().ToString("R", CultureInfo.InvariantCulture));
            foreach (int n in new[] { 1, 2, 3, 7, 8, 10, 100, 1000, int.MaxValue }) actual.Add(rng.RandInt(0, n).ToString(CultureInfo.InvariantCulture));
            foreach (int n in new[] { 2, 5, 9 }) actual.Add(rng.Choice(n).ToString(CultureInfo.InvariantCulture));
            actual.Add(new[] { 10, 20, 30, 40 }[rng.Choice(4)].ToString(CultureInfo.InvariantCulture));
            actual.Add(rng.Rand().ToString("R", CultureInfo.InvariantCulture));
            Assert.Equal(expected.Length, actual.Count);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(double.Parse(expected[i], CultureInfo.InvariantCulture) == double.Parse(actual[i], CultureInfo.InvariantCulture),
                    $"seed {seeds[s]}, draw {i}: numpy {expected[i]}, ours {actual[i]}");
        }
    }
}
