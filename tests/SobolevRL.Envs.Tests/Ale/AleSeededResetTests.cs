using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Tests.Ale;

/// <summary>
/// A seeded reset restores the state of the last ROM load instead of reloading (shim interface version 2): it must give
/// exactly what a freshly loaded emulator gives with that seed, whatever the emulator played before (real ALE, tetris.bin).
/// </summary>
public class AleSeededResetTests
{
    private static void RequireSeededReset()
    {
        string? missing = AleTestSetup.MissingReason();
        if (missing is not null) { Assert.Skip(missing); }
        if (!AleLibrary.HasSeededReset)
            Assert.Skip(AleTestSetup.SkipReasonPrefix + $"the shim {AleLibrary.LoadedPath} has interface version 1 (no seeded reset); rebuild it with `make ale ALE_DIR=<ALE prefix>`");
    }

    /// <summary>Every frame's screen, reward, lives, game-over flag and counters under random actions (sticky, so ALE's generator counts).</summary>
    private static List<string> Play(AleEmulator emulator, int frames, int actionSeed)
    {
        var actions = new System.Random(actionSeed);
        var screen = new byte[emulator.ScreenHeight * emulator.ScreenWidth];
        var trace = new List<string>();
        for (int t = 0; t < frames; t++)
        {
            int reward = emulator.Act(emulator.MinimalActionSet[actions.Next(emulator.MinimalActionSet.Count)]);
            emulator.GetScreenGrayscale(screen);
            trace.Add($"{reward} {emulator.Lives} {emulator.IsGameOver} {emulator.FrameNumber} {emulator.EpisodeFrameNumber} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(screen))}");
            if (emulator.IsGameOver) emulator.ResetGame();
        }
        return trace;
    }

    [Fact]
    public void SeededResetOfAPlayedEmulatorMatchesAFreshlyLoadedOne()
    {
        RequireSeededReset();
        using var reused = AleTestSetup.CreateTetris(seed: 3);
        reused.ResetGame();
        Play(reused, 3000, actionSeed: 1); // leaves the emulator, its generator and the game far from their loaded state
        foreach (int seed in new[] { 11, 2_000_000_011 })
        {
            using var fresh = AleTestSetup.CreateTetris(seed: seed);
            fresh.ResetGame();
            var expected = Play(fresh, 1500, actionSeed: 7);
            reused.ResetSeeded(seed);
            Assert.Equal(expected, Play(reused, 1500, actionSeed: 7));
        }
    }

    [Fact]
    public void SeededResetMatchesTheReloadingReseed()
    {
        RequireSeededReset();
        using var reloaded = AleTestSetup.CreateTetris();
        using var restored = AleTestSetup.CreateTetris();
        var byReload = new List<string>();
        var byRestore = new List<string>();
        for (int episode = 0; episode < 3; episode++)
        {
            reloaded.Reseed(100 + episode);
            reloaded.ResetGame();
            restored.ResetSeeded(100 + episode);
            byReload.AddRange(Play(reloaded, 700, actionSeed: episode));
            byRestore.AddRange(Play(restored, 700, actionSeed: episode));
        }
        Assert.Equal(byReload, byRestore);
    }

    [Fact]
    public void TheSeedReachesTheStickyActions()
    {
        RequireSeededReset();
        using var emulator = AleTestSetup.CreateTetris();
        emulator.ResetSeeded(1);
        var one = Play(emulator, 1500, actionSeed: 5);
        emulator.ResetSeeded(2);
        Assert.NotEqual(one, Play(emulator, 1500, actionSeed: 5));
    }

    [Fact]
    public void SeededEnvResetAfterPlayingGivesTheFreshEnvTrajectory()
    {
        RequireSeededReset();
        var options = EnvOptions.Parse([$"roms={AleTestSetup.RomDirectory}"]);
        List<string> Episode(IEnv env, long? seed)
        {
            var obs = new byte[env.ObservationSpace.Size];
            var actions = new System.Random(42);
            env.Reset(seed, obs);
            var trace = new List<string> { Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(obs)) };
            for (int t = 0; t < 400; t++)
            {
                var step = env.Step(actions.Next(env.ActionSpace.N), obs);
                trace.Add($"{step.Reward} {step.Terminated} {step.Truncated} {env.Info.Get(InfoKeys.EpisodeFrameNumber)} {env.Info.Get(AleEnv.FrameNumberKey)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(obs))}");
                if (step.Done) env.Reset(null, obs);
            }
            return trace;
        }
        using var played = new AleFamily().Make("ALE/Tetris-v5", options);
        Episode(played, 5);
        using var fresh = new AleFamily().Make("ALE/Tetris-v5", options);
        Assert.Equal(Episode(fresh, 9), Episode(played, 9));
    }
}
