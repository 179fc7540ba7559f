using SobolevRL.Envs.Core;
using SobolevRL.Envs.Tests.TestEnvs;
using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Envs.Tests.Wrappers;

public class EpisodeStatisticsTests
{
    [Fact]
    public void ReportsReturnAndLengthOnlyOnTheFinalStep()
    {
        using var env = new EpisodeStatistics(new CountingEnv());
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(5, obs);
        for (int episode = 0; episode < 5; episode++)
        {
            double sum = 0;
            int length = 0;
            StepResult r;
            do
            {
                r = env.Step(length % 4, obs);
                sum += r.Reward;
                length++;
                if (!r.Done)
                {
                    Assert.Null(env.Info.Get(InfoKeys.EpisodeReturn));
                    Assert.Null(env.Info.Get(InfoKeys.EpisodeLength));
                }
            } while (!r.Done);
            Assert.Equal(CountingEnv.LengthOf(obs), length);
            Assert.Equal(sum, env.Info.Get(InfoKeys.EpisodeReturn));
            Assert.Equal(length, env.Info.Get(InfoKeys.EpisodeLength));
            Assert.Equal(episode + 1, env.CompletedEpisodes);
            env.Reset(null, obs);
            Assert.Equal(0, env.CurrentLength);
        }
    }

    [Fact]
    public void CountsTruncatedEpisodesWhenAboveATimeLimit()
    {
        using var env = new CountingEnv(minLength: 50, maxLength: 50).WithTimeLimit(7).WithEpisodeStatistics();
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        StepResult r = default;
        for (int t = 0; t < 7; t++) r = env.Step(0, obs);
        Assert.True(r.Truncated);
        Assert.Equal(7, env.Info.Get(InfoKeys.EpisodeLength));
    }
}
