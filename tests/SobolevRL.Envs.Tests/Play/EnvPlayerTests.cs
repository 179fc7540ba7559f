using SobolevRL.Envs.Play;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Tests.TestEnvs;

namespace SobolevRL.Envs.Tests.Play;

public class EnvPlayerTests
{
    [Fact]
    public void ReportsReturnAndLengthOfEachEpisodeAndFeedsThePolicyTheObservation()
    {
        using var env = new CountingEnv();
        var seen = new List<int>();
        int Policy(ReadOnlySpan<byte> obs)
        {
            seen.Add(CountingEnv.StepOf(obs));
            return CountingEnv.StepOf(obs) % 4;
        }
        var result = EnvPlayer.Play(env, Policy, episodes: 4, seed: 3);
        Assert.Equal(4, result.Episodes.Count);
        Assert.Equal(0, result.GifFrames);

        // Replay by hand: the first reset seeded, then unseeded resets.
        using var twin = new CountingEnv();
        var obs = new byte[twin.ObservationSpace.Size];
        int k = 0;
        for (int e = 0; e < 4; e++)
        {
            twin.Reset(e == 0 ? 3 : null, obs);
            double total = 0;
            int length = 0;
            while (true)
            {
                Assert.Equal(CountingEnv.StepOf(obs), seen[k++]);
                var r = twin.Step(CountingEnv.StepOf(obs) % 4, obs);
                total += r.Reward;
                length++;
                if (r.Done) break;
            }
            Assert.Equal(new EpisodeOutcome(e, total, length, false), result.Episodes[e]);
        }
        Assert.Equal(result.Episodes.Average(e => e.Return), result.MeanReturn);
    }

    [Fact]
    public void StepLimitCutsEpisodesAsTruncated()
    {
        using var env = new CountingEnv(minLength: 100, maxLength: 100);
        var result = EnvPlayer.Play(env, RandomPolicy.Create(env.ActionSpace, 1), episodes: 2, seed: 0, maxEpisodeSteps: 10);
        Assert.All(result.Episodes, e => Assert.Equal((10, true), (e.Length, e.Truncated)));
    }

    [Fact]
    public void RecordsEveryObservationOfARealGameAsAGif()
    {
        string? missing = PythonOracle.MissingReason();
        if (missing != null) Assert.Skip(missing);
        using var env = EnvRegistry.CreateDefault().Make("MinAtar/Breakout-v1");
        string path = Path.Combine(Path.GetTempPath(), $"sobolevrl-play-{Guid.NewGuid():N}.gif");
        try
        {
            var result = EnvPlayer.Play(env, RandomPolicy.Create(env.ActionSpace, 0), episodes: 2, seed: 0, gifPath: path);
            int expectedFrames = result.Episodes.Sum(e => e.Length + 1);
            Assert.Equal(expectedFrames, result.GifFrames);
            var (code, stdout, stderr) = PythonOracle.Run($"from PIL import Image\nim = Image.open(r'{path}')\nprint(im.n_frames, im.size[0], im.size[1])");
            if (code != 0 && stderr.Contains("No module named 'PIL'")) Assert.Skip("needs Pillow: apt-get install python3-pil");
            Assert.Equal($"{expectedFrames} 211 211", stdout.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
