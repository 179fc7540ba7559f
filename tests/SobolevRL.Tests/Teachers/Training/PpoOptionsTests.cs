using SobolevRL.Config;
using SobolevRL.Teachers.Training;

namespace SobolevRL.Tests.Teachers.Training;

public class PpoOptionsTests
{
    [Fact]
    public void DefaultsAreValidAndRoundTripThroughYaml()
    {
        var defaults = new PpoOptions();
        defaults.Validate("");
        string path = Path.GetTempFileName();
        try
        {
            ConfigLoader.Save(defaults with { EnvOptions = ["sticky_action_prob=0.2"] }, path);
            var loaded = ConfigLoader.Load<PpoOptions>(path, ["frames=4096", "evaluation.episodes=7"]);
            Assert.Equal(4096, loaded.Frames);
            Assert.Equal(7, loaded.Evaluation.Episodes);
            Assert.Equal(["sticky_action_prob=0.2"], loaded.EnvOptions);
            Assert.Equal(2, loaded.Updates());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("gae_lambda=1.5", "gae_lambda")]
    [InlineData("num_envs=0", "num_envs")]
    [InlineData("minibatches=5000", "minibatches")]
    [InlineData("evaluation.sticky_action_prob=2", "evaluation.sticky_action_prob")]
    [InlineData("clip_coeff=0.1", "clip_coeff")]
    public void BadValuesNameTheKey(string set, string key)
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<PpoOptions>(null, [set]));
        Assert.Contains(key, e.Message);
    }
}
