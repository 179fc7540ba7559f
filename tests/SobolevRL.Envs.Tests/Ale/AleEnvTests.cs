using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

/// <summary>Tests against real ALE with its test ROM tetris.bin (skipped without SOBOLEVRL_ALE_LIB / SOBOLEVRL_ROMS).</summary>
public class AleEnvTests
{
    private static void RequireAle()
    {
        string? missing = AleTestSetup.MissingReason();
        if (missing is not null) { Assert.Skip(missing); }
    }

    private static EnvOptions Options(params string[] pairs) => EnvOptions.Parse(pairs);

    [Fact]
    public void EmulatorReportsTetrisActionSetsModesAndScreen()
    {
        RequireAle();
        using var emulator = AleTestSetup.CreateTetris();
        Assert.Equal([0, 1, 3, 4, 5], emulator.MinimalActionSet);
        Assert.Equal(Enumerable.Range(0, 18), emulator.LegalActionSet);
        Assert.Equal(210, emulator.ScreenHeight);
        Assert.Equal(160, emulator.ScreenWidth);
        Assert.Equal([0], emulator.AvailableModes);
        Assert.Equal([0], emulator.AvailableDifficulties);
        Assert.True(AleLibrary.IsSupportedRom(AleTestSetup.TetrisRom, out string? game));
        Assert.Equal("tetris", game);
        Assert.Matches(@"^\d+\.\d+", AleLibrary.AleVersion());
    }

    [Fact]
    public void ScreenBuffersOfTheWrongSizeAreRejected()
    {
        RequireAle();
        using var emulator = AleTestSetup.CreateTetris();
        Assert.Throws<ArgumentException>(() => emulator.GetScreenGrayscale(new byte[210 * 160 - 1]));
        Assert.Throws<ArgumentException>(() => emulator.GetScreenRgb(new byte[210 * 160]));
        using var env = new AleEnv(AleTestSetup.CreateTetris(), "ALE/Tetris-v5");
        Assert.Throws<ArgumentException>(() => env.Reset(0, new byte[100]));
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        Assert.Throws<ArgumentException>(() => env.Step(0, new byte[obs.Length + 1]));
    }

    [Fact]
    public void InvalidActionThrowsAndLeavesTheStateUnchanged()
    {
        RequireAle();
        using var env = new AleEnv(AleTestSetup.CreateTetris(), "ALE/Tetris-v5");
        var obs = new byte[env.ObservationSpace.Size];
        Assert.Throws<InvalidOperationException>(() => env.Step(0, obs));
        env.Reset(1, obs);
        env.Step(1, obs);
        int frame = env.Emulator.FrameNumber;
        byte[] before = [.. obs];
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(5, obs));
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(-1, obs));
        Assert.Equal(frame, env.Emulator.FrameNumber);
        Assert.Equal(before, obs);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Emulator.Act(18));
        Assert.Equal(frame, env.Emulator.FrameNumber);
    }

    [Fact]
    public void RgbObservationsArePlanesOfTheRgbScreen()
    {
        RequireAle();
        using var env = new AleEnv(AleTestSetup.CreateTetris(), "ALE/Tetris-v5", fullActionSpace: true, AleObservationType.Rgb);
        Assert.Equal(new BoxSpace([3, 210, 160], 0, 255), env.ObservationSpace);
        Assert.Equal(18, env.ActionSpace.N);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(3, obs);
        for (int i = 0; i < 50; i++) env.Step(i % 18, obs);
        var rgb = new byte[210 * 160 * 3];
        env.Emulator.GetScreenRgb(rgb);
        for (int p = 0; p < 210 * 160; p++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(rgb[p * 3 + c], obs[c * 210 * 160 + p]);
        Assert.Contains(obs, b => b != 0);
    }

    [Fact]
    public void FamilyMakesThePreprocessedV5Stack()
    {
        RequireAle();
        using var env = new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}"));
        Assert.Equal("ALE/Tetris-v5", env.Id);
        Assert.Equal(new BoxSpace([4, 84, 84], 0, 255), env.ObservationSpace);
        Assert.Equal(5, env.ActionSpace.N);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(17, obs);
        double frame = env.Info.Get(InfoKeys.EpisodeFrameNumber)!.Value;
        Assert.InRange(frame, 1, 30);
        Assert.NotNull(env.Info.Get(InfoKeys.Lives));
        for (int i = 0; i < 10; i++)
        {
            Assert.False(env.Step(i % 5, obs).Done);
            Assert.Equal(frame + 4 * (i + 1), env.Info.Get(InfoKeys.EpisodeFrameNumber));
        }
        Assert.Contains(obs, b => b != 0);
    }

    [Fact]
    public void SteppingTheFullStackAllocatesNothing()
    {
        RequireAle();
        using var env = new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}", "episodic_life=true", "clip_rewards=true"));
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(3, obs);
        for (int t = 0; t < 20; t++) env.Step(t % 5, obs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 200; t++)
            if (env.Step(t % 5, obs).Done) break;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SeededResetsReplayTheSameTrajectory()
    {
        RequireAle();
        (List<float> Rewards, List<byte[]> Frames, List<double> Counters) Play(long seed)
        {
            using var env = new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}"));
            var obs = new byte[env.ObservationSpace.Size];
            var rewards = new List<float>();
            var frames = new List<byte[]>();
            var counters = new List<double>();
            var actions = new System.Random(99);
            for (int episode = 0; episode < 2; episode++)
            {
                env.Reset(episode == 0 ? seed : null, obs);
                counters.Add(env.Info.Get(InfoKeys.EpisodeFrameNumber)!.Value);
                frames.Add([.. obs]);
                for (int t = 0; t < 60; t++)
                {
                    rewards.Add(env.Step(actions.Next(5), obs).Reward);
                    frames.Add([.. obs]);
                }
            }
            return (rewards, frames, counters);
        }
        var a = Play(2024);
        var b = Play(2024);
        Assert.Equal(a.Rewards, b.Rewards);
        Assert.Equal(a.Counters, b.Counters);
        Assert.Equal(a.Frames.Count, b.Frames.Count);
        for (int i = 0; i < a.Frames.Count; i++) Assert.Equal(a.Frames[i], b.Frames[i]);
        // Another seed draws other no-op counts at the two resets.
        Assert.NotEqual(a.Counters, Play(2025).Counters);
    }

    [Fact]
    public void TruncatesAtTheFrameCap()
    {
        RequireAle();
        using var env = new AleFamily().Make("ALE/Tetris-v5",
            Options($"roms={AleTestSetup.RomDirectory}", "max_num_frames_per_episode=200", "noop_max=0", "repeat_action_probability=0"));
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(5, obs);
        int steps = 0;
        StepResult result;
        do
        {
            result = env.Step(0, obs);
            steps++;
        } while (!result.Done);
        Assert.True(result.Truncated);
        Assert.False(result.Terminated);
        Assert.Equal(50, steps);
        Assert.Equal(200, env.Info.Get(InfoKeys.EpisodeFrameNumber));
        Assert.Throws<InvalidOperationException>(() => env.Step(0, obs));
    }

    [Fact]
    public void FrameSkipObservesTheResizedMaxOfTheLastTwoScreens()
    {
        RequireAle();
        using var env = new AleFamily().Make("ALE/Tetris-v5",
            Options($"roms={AleTestSetup.RomDirectory}", "noop_max=0", "repeat_action_probability=0", "frame_stack=1"));
        using var reference = new AleEnv(AleTestSetup.CreateTetris(repeatActionProbability: 0), "reference");
        var obs = new byte[env.ObservationSpace.Size];
        var screen = new byte[210 * 160];
        var previous = new byte[210 * 160];
        var expected = new byte[84 * 84];
        var resampler = new AreaResampler(210, 160, 84, 84);
        env.Reset(8, obs);
        reference.Reset(8, screen);
        resampler.Resample(screen, expected);
        Assert.Equal(expected, obs);
        int[] actions = [2, 2, 3, 1, 0, 4, 3, 3, 2, 1];
        foreach (int action in actions)
        {
            float reward = env.Step(action, obs).Reward;
            float expectedReward = 0;
            for (int f = 0; f < 4; f++)
            {
                screen.CopyTo(previous, 0);
                expectedReward += reference.Step(action, screen).Reward;
            }
            MaxPoolFrameSkip.MaxInPlace(screen, previous);
            resampler.Resample(screen, expected);
            Assert.Equal(expected, obs);
            Assert.Equal(expectedReward, reward);
            reference.WriteObservation(screen);
        }
    }

    [Fact]
    public void DeferredAndPlainFrameSkipAgreeOnRealFrames()
    {
        RequireAle();
        using var deferred = new MaxPoolFrameSkip(new AleEnv(AleTestSetup.CreateTetris(7), "a"), 4);
        using var plain = new MaxPoolFrameSkip(new PlainEnv(new AleEnv(AleTestSetup.CreateTetris(7), "b")), 4);
        var a = new byte[deferred.ObservationSpace.Size];
        var b = new byte[plain.ObservationSpace.Size];
        deferred.Reset(31, a);
        plain.Reset(31, b);
        var actions = new System.Random(4);
        for (int t = 0; t < 100; t++)
        {
            int action = actions.Next(5);
            Assert.Equal(plain.Step(action, b), deferred.Step(action, a));
            Assert.Equal(b, a);
        }
    }

    [Fact]
    public void UnsupportedOrMislabelledRomsAreRefused()
    {
        RequireAle();
        string roms = Directory.CreateTempSubdirectory("sobolevrl-roms-").FullName;
        try
        {
            var junk = new byte[4096];
            new System.Random(1).NextBytes(junk);
            File.WriteAllBytes(Path.Combine(roms, "tetris.bin"), junk);
            var unsupported = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Tetris-v5", Options($"roms={roms}")));
            Assert.Contains("does not support the ROM", unsupported.Message);
            Assert.Contains(Path.Combine(roms, "tetris.bin"), unsupported.Message);

            // ALE identifies a ROM by the first game whose name or MD5 matches: breakout comes before tetris, so ALE
            // takes tetris's bytes named breakout.bin for a bad breakout dump; zaxxon comes after, so it finds tetris.
            File.Copy(AleTestSetup.TetrisRom, Path.Combine(roms, "breakout.bin"));
            var badDump = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Breakout-v5", Options($"roms={roms}")));
            Assert.Contains("does not support the ROM", badDump.Message);
            File.Copy(AleTestSetup.TetrisRom, Path.Combine(roms, "zaxxon.bin"));
            var mislabelled = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Zaxxon-v5", Options($"roms={roms}")));
            Assert.Contains("is ALE's tetris, not zaxxon", mislabelled.Message);

            Assert.Throws<EnvException>(() => AleEmulator.Create(Path.Combine(roms, "tetris.bin"), new AleEmulatorSettings(0)));
            Assert.Throws<EnvException>(() => AleEmulator.Create(Path.Combine(roms, "missing.bin"), new AleEmulatorSettings(0)));
        }
        finally
        {
            Directory.Delete(roms, recursive: true);
        }
    }

    [Fact]
    public void UnavailableModesAndDifficultiesAreErrorsListingTheAvailableOnes()
    {
        RequireAle();
        var mode = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}", "mode=3")));
        Assert.Contains("mode 3 is not available; available modes: 0", mode.Message);
        var difficulty = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}", "difficulty=1")));
        Assert.Contains("difficulty 1 is not available; available difficulties: 0", difficulty.Message);
        using var env = new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}", "mode=0", "difficulty=0"));
        env.Reset(0, new byte[env.ObservationSpace.Size]);
    }

    [Fact]
    public void NatureDqnVariantComposes()
    {
        RequireAle();
        using var env = new AleFamily().Make("ALE/Tetris-v5", Options($"roms={AleTestSetup.RomDirectory}",
            "repeat_action_probability=0", "episodic_life=true", "clip_rewards=true", "full_action_space=true"));
        Assert.Equal(18, env.ActionSpace.N);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(1, obs);
        var actions = new System.Random(6);
        for (int t = 0; t < 200; t++)
        {
            var result = env.Step(actions.Next(18), obs);
            Assert.Contains(result.Reward, new[] { -1f, 0f, 1f });
            if (result.Done) env.Reset(null, obs);
        }
    }

    [Fact]
    public void ASecondShimPathIsRefused()
    {
        RequireAle();
        string other = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-shim-").FullName, "libsobolevrl_ale.so");
        try
        {
            File.Copy(AleTestSetup.LibraryPath!, other);
            var e = Assert.Throws<EnvException>(() => AleLibrary.Load(other));
            Assert.Contains("already loaded", e.Message);
            AleLibrary.Load(AleTestSetup.LibraryPath!);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(other)!, recursive: true);
        }
    }
}
