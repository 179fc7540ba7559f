using SobolevRL.Config;

namespace SobolevRL.Tests.Config;

public class ConfigLoaderTests
{
    public sealed class TrainingSection : IValidatable
    {
        public double Lr { get; set; } = 1e-3;
        public int Steps { get; set; } = 100;
        public List<int> Sizes { get; set; } = [20, 100];

        public void Validate(string path)
        {
            Check.Positive(Lr, path + "lr");
            Check.Positive(Steps, path + "steps");
        }
    }

    public sealed class Options : IValidatable
    {
        public string Name { get; set; } = "default";
        public TrainingSection Training { get; set; } = new();

        public void Validate(string path) => Training.Validate("training.");
    }

    private static string WriteYaml(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"sobolevrl-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void DefaultsFileAndOverridesApplyInOrder()
    {
        string file = WriteYaml("name: fromfile\ntraining:\n  lr: 0.5\n  steps: 7\n");
        var o = ConfigLoader.Load<Options>(file, ["training.steps=9", "training.sizes=[1,2,3]"]);
        Assert.Equal("fromfile", o.Name);
        Assert.Equal(0.5, o.Training.Lr);
        Assert.Equal(9, o.Training.Steps);
        Assert.Equal([1, 2, 3], o.Training.Sizes);
    }

    [Fact]
    public void UnknownKeyInFileIsAnErrorNamingTheKey()
    {
        string file = WriteYaml("training:\n  learning_rate: 0.5\n");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<Options>(file, []));
        Assert.Contains("training.learning_rate", e.Message);
        Assert.Contains("training.lr", e.Message);
    }

    [Fact]
    public void UnknownKeyInOverrideIsAnErrorNamingTheKey()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<Options>(null, ["training.momentum=0.9"]));
        Assert.Contains("training.momentum", e.Message);
    }

    [Fact]
    public void OutOfRangeValueNamesTheKey()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<Options>(null, ["training.lr=-1"]));
        Assert.Contains("training.lr", e.Message);
    }

    [Fact]
    public void WrongTypeNamesTheKey()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<Options>(null, ["training.steps=many"]));
        Assert.Contains("training.steps", e.Message);
    }

    [Fact]
    public void SavedConfigLoadsBackToTheSameValues()
    {
        var o = ConfigLoader.Load<Options>(null, ["training.lr=3e-4", "name=x"]);
        string file = WriteYaml(ConfigLoader.ToYaml(o));
        var back = ConfigLoader.Load<Options>(file, []);
        Assert.Equal(3e-4, back.Training.Lr);
        Assert.Equal("x", back.Name);
        Assert.Equal(o.Training.Sizes, back.Training.Sizes);
    }

    [Fact]
    public void EnumValuesAreWrittenAsTheDocsSpellThemAndOldSpellingsStillLoad()
    {
        var options = ConfigLoader.Load<SobolevRL.Distillation.DistillOptions>(null, ["loss.derivative_loss=squared_l2", "optim.optimizer=rms_prop", "loss.value=mse"]);
        string yaml = ConfigLoader.ToYaml(options);
        Assert.Contains("value: mse", yaml);
        Assert.Contains("derivative_loss: squared_l2", yaml);
        Assert.Contains("optimizer: rms_prop", yaml);
        Assert.DoesNotContain("SquaredL2", yaml);

        // A config.yaml saved before (PascalCase enum values) loads to the same options.
        string file = Path.Combine(Path.GetTempPath(), $"sobolevrl-enum-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(file, yaml.Replace("squared_l2", "SquaredL2", StringComparison.Ordinal).Replace("rms_prop", "RmsProp", StringComparison.Ordinal).Replace("value: mse", "value: Mse", StringComparison.Ordinal));
            Assert.Equal(yaml, ConfigLoader.Canonical<SobolevRL.Distillation.DistillOptions>(file));
        }
        finally { File.Delete(file); }
    }
}
