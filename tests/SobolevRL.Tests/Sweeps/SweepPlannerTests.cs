using SobolevRL.Sweeps;

namespace SobolevRL.Tests.Sweeps;

public class SweepPlannerTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    private SweepPlanner.Expanded Expand(string yaml)
    {
        string file = SweepFixtures.Write(_dir, "s", yaml);
        return SweepPlanner.Expand(SweepDefinition.Load(file), _dir);
    }

    private const string Data = "data: {env: MinAtar/Breakout-v1, states: 64, labels: full}\n";

    [Fact]
    public void GridTimesSeedsExpandsInFileOrderWithStableDistinctIdsAndRunsEqualConfigsOnce()
    {
        string yaml = Data + "grid:\n  loss.sobolev: [\"off\", full]\n  loss.weight: [0.1, 1.0, 10]\nseeds: [0, 1]\n";
        var first = Expand(yaml);
        // With the Sobolev term off the weight is not used: the three off points are one run per seed.
        Assert.Equal(2 + 6, first.Runs.Count);
        Assert.Equal(8, first.Runs.Select(r => r.Id).Distinct().Count());
        Assert.Equal(2, first.Runs.Count(r => r.Assignments["loss.sobolev"] == "off"));
        Assert.Equal(["loss.sobolev", "loss.weight", "seed"], first.Plan.SweptKeys);
        Assert.Equal(new Dictionary<string, string> { ["loss.sobolev"] = "off", ["loss.weight"] = "0.1", ["seed"] = "0" }, first.Runs[0].Assignments);
        Assert.Equal("1", first.Runs[1].Assignments["seed"]);
        Assert.Contains("weight: 10", first.Configs[first.Runs[^1].Id]);
        Assert.Equal(first.Runs.Select(r => r.Id), Expand(yaml).Runs.Select(r => r.Id));

        // A changed grid keeps the ids of the points it shares with the old one: only the new points are new runs.
        var changed = Expand(yaml.Replace("[0.1, 1.0, 10]", "[0.1, 1.0, 10, 100]", StringComparison.Ordinal));
        Assert.Equal(10, changed.Runs.Count);
        Assert.Equal(2, changed.Runs.Select(r => r.Id).Except(first.Runs.Select(r => r.Id)).Count());
    }

    [Fact]
    public void IdIsAHashOfTheResolvedConfigSoEquivalentSpellingsAgree()
    {
        var a = Expand(Data + "grid:\n  optim.learning_rate: [0.001]\n");
        var b = Expand(Data + "base:\n  optim: {learning_rate: 1e-3}\n");
        var c = Expand(Data + "grid:\n  optim.learning_rate: [0.002]\n");
        Assert.Equal(a.Runs[0].Id, b.Runs[0].Id);
        Assert.NotEqual(a.Runs[0].Id, c.Runs[0].Id);
        // The data is part of the identity.
        Assert.NotEqual(a.Runs[0].Id, Expand(Data.Replace("64", "65", StringComparison.Ordinal) + "grid:\n  optim.learning_rate: [0.001]\n").Runs[0].Id);
    }

    [Fact]
    public void RandomSearchIsReproducibleWithinBoundsAndCombinesWithTheGrid()
    {
        string yaml = Data + """
            grid:
              loss.sobolev: ["off", full]
            random:
              samples: 5
              seed: 3
              keys:
                optim.learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}
                optim.batch_size: {int: [8, 32]}
                loss.value: {choice: [kl, mse]}
            """;
        var runs = Expand(yaml).Runs;
        Assert.Equal(10, runs.Count);
        foreach (var r in runs)
        {
            double lr = double.Parse(r.Assignments["optim.learning_rate"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(lr, 1e-4, 1e-2);
            Assert.InRange(int.Parse(r.Assignments["optim.batch_size"], System.Globalization.CultureInfo.InvariantCulture), 8, 32);
            Assert.Contains(r.Assignments["loss.value"], new[] { "kl", "mse" });
        }
        Assert.True(runs.Select(r => r.Assignments["optim.learning_rate"]).Distinct().Count() == 5, "5 distinct samples, shared by both grid points");
        Assert.Equal(runs.Select(r => r.Id), Expand(yaml).Runs.Select(r => r.Id));
        Assert.NotEqual(runs.Select(r => r.Id), Expand(yaml.Replace("seed: 3", "seed: 4", StringComparison.Ordinal)).Runs.Select(r => r.Id));
    }

    [Fact]
    public void DataKeysAreSweptAndSmokeSourcesFollowThem()
    {
        var runs = Expand("data: {env: MinAtar/Breakout-v1, labels: \"off\"}\ngrid:\n  data.states: [64, 128]\n  data.env: [MinAtar/Breakout-v1, MinAtar/Asterix-v1]\n").Runs;
        Assert.Equal(4, runs.Count);
        Assert.Equal("smoke:MinAtar/Asterix-v1,128,off", runs[^1].Data.SmokeOrSource());
        Assert.False(runs[0].Data.NeedsCollection);
    }

    [Theory]
    [InlineData("grid:\n  loss.bogus: [1, 2]\n", "unknown config key 'loss.bogus'")]
    [InlineData("grid:\n  loss.weight: []\n", "expands to zero runs")]
    [InlineData("seeds: []\n", "expands to zero runs")]
    [InlineData("random:\n  samples: 0\n  keys:\n    loss.weight: {uniform: [0, 1]}\n", "expands to zero runs")]
    [InlineData("random:\n  samples: 2\n  keys:\n    loss.weight: {normal: [0, 1]}\n", "unknown distribution 'normal'")]
    [InlineData("grid:\n  data.colour: [red]\n", "unknown data key 'data.colour'")]
    [InlineData("grid:\n  loss.weight: [-1]\n", "loss.weight")]
    [InlineData("grid:\n  loss.sobolev: [vjp:2]\n", "sobolev")]
    [InlineData("executor: slurm\n", "unknown sweep key")]
    [InlineData("slurm: {gpus: 1}\n", "unknown key; known: cpus_per_task")]
    public void BadDefinitionsFailBeforeAnythingStartsNamingTheProblem(string extra, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => Expand(Data + extra));
        Assert.Contains(expected, e.Message);
    }
}
