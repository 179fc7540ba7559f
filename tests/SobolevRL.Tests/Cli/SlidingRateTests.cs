using SobolevRL.Cli.Infrastructure;

namespace SobolevRL.Tests.Cli;

public class SlidingRateTests
{
    [Fact]
    public void NoRateBeforeWorkIsDoneSinceTheFirstReport()
    {
        var rate = new SlidingRate(TimeSpan.FromSeconds(10));
        rate.Add(0, 1000); // a resumed run starts at 1000: that work is not this session's
        Assert.Null(rate.PerSecond);
        Assert.Null(rate.Remaining(4000));
        rate.Add(2, 1000);
        Assert.Null(rate.PerSecond);
        rate.Add(4, 1100);
        Assert.Equal(25, rate.PerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds(2900 / 25.0), rate.Remaining(4000));
    }

    [Fact]
    public void ASlowStartDropsOutOfTheWindow()
    {
        var rate = new SlidingRate(TimeSpan.FromSeconds(10));
        rate.Add(0, 0);
        rate.Add(30, 1); // 30 s of warm-up for the first step
        for (int t = 31; t <= 60; t++) rate.Add(t, 1 + 100 * (t - 30));
        // Over the last 10 s: 100 steps/s, not the 50/s of the whole time nor a rate distorted by the warm-up.
        Assert.Equal(100, rate.PerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds((4000 - 3001) / 100.0), rate.Remaining(4000));
    }

    [Theory]
    [InlineData(59, "0:59")]
    [InlineData(3599, "59:59")]
    [InlineData(3600 * 27 + 61, "27:01:01")]
    public void DurationsDoNotWrapAtADay(double seconds, string text) => Assert.Equal(text, CliProgress.Duration(TimeSpan.FromSeconds(seconds)));
}
