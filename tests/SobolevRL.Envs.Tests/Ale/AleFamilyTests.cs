using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Tests.Ale;

public class AleFamilyTests
{
    private static EnvOptions Options(params string[] pairs) => EnvOptions.Parse(pairs);

    [Fact]
    public void ListsAV5IdForEverySupportedGame()
    {
        var ids = new AleFamily().Ids.Select(i => i.Id).ToList();
        Assert.Equal(AleGames.RomIds.Count, ids.Count);
        Assert.Equal(104, ids.Count);
        Assert.Contains("ALE/Breakout-v5", ids);
        Assert.Contains("ALE/SpaceInvaders-v5", ids);
        Assert.Contains("ALE/MontezumaRevenge-v5", ids);
        Assert.Contains("ALE/Tetris-v5", ids);
        Assert.All(ids, id => Assert.StartsWith("ALE/", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("space_invaders", "SpaceInvaders")]
    [InlineData("tic_tac_toe_3d", "TicTacToe3D")]
    [InlineData("pitfall2", "Pitfall2")]
    [InlineData("up_n_down", "UpNDown")]
    [InlineData("et", "Et")]
    [InlineData("breakout", "Breakout")]
    public void NamesGamesAsGymnasiumDoes(string romId, string name)
    {
        Assert.Equal(name, AleGames.ToGameName(romId));
        Assert.Equal(romId, AleGames.FindRomId(name));
        Assert.Equal(romId, AleFamily.RomIdOf($"ALE/{name}-v5"));
    }

    [Theory]
    [InlineData("ALE/Breakout-v4")]
    [InlineData("ALE/breakout-v5")]
    [InlineData("ALE/Brekout-v5")]
    [InlineData("Breakout-v5")]
    [InlineData("ALE/-v5")]
    public void RejectsUnknownIds(string id)
    {
        var e = Assert.Throws<EnvException>(() => new AleFamily().Make(id, EnvOptions.Empty));
        Assert.Contains("unknown ALE id", e.Message);
        Assert.Contains("ALE/Breakout-v5", e.Message);
    }

    [Fact]
    public void DefaultsAreGymnasiumV5WithAtariPreprocessing()
    {
        var o = AleOptions.Read("ALE/Pong-v5", EnvOptions.Empty);
        Assert.Equal(0.25, o.RepeatActionProbability);
        Assert.False(o.FullActionSpace);
        Assert.Null(o.Mode);
        Assert.Null(o.Difficulty);
        Assert.Equal(4, o.FrameSkip);
        Assert.Equal(30, o.NoopMax);
        Assert.Equal(108_000, o.MaxNumFramesPerEpisode);
        Assert.Equal(84, o.ScreenSize);
        Assert.False(o.EpisodicLife);
        Assert.False(o.ClipRewards);
        Assert.Null(o.AleLib);
        Assert.Null(o.Roms);
    }

    [Fact]
    public void ReadsTheNatureDqnVariantAndHeldOutModes()
    {
        var o = AleOptions.Read("ALE/Pong-v5", Options(
            "repeat_action_probability=0", "episodic_life=true", "clip_rewards=1", "mode=2", "difficulty=default",
            "full_action_space=true", "noop_max=0", "frame_skip=3", "max_num_frames_per_episode=0", "screen_size=42",
            "ale_lib=/x/libsobolevrl_ale.so", "roms=/roms"));
        Assert.Equal(0, o.RepeatActionProbability);
        Assert.True(o.EpisodicLife);
        Assert.True(o.ClipRewards);
        Assert.Equal(2, o.Mode);
        Assert.Null(o.Difficulty);
        Assert.True(o.FullActionSpace);
        Assert.Equal(0, o.NoopMax);
        Assert.Equal(3, o.FrameSkip);
        Assert.Equal(0, o.MaxNumFramesPerEpisode);
        Assert.Equal(42, o.ScreenSize);
        Assert.Equal("/x/libsobolevrl_ale.so", o.AleLib);
        Assert.Equal("/roms", o.Roms);
    }

    [Theory]
    [InlineData("repeat_action_probability=1.5", "repeat_action_probability")]
    [InlineData("repeat_action_probability=x", "repeat_action_probability")]
    [InlineData("mode=-1", "mode")]
    [InlineData("difficulty=easy", "difficulty")]
    [InlineData("frame_skip=0", "frame_skip")]
    [InlineData("noop_max=-3", "noop_max")]
    [InlineData("screen_size=0", "screen_size")]
    [InlineData("screen_size=161", "screen_size")]
    [InlineData("episodic_life=maybe", "episodic_life")]
    [InlineData("sticky=0.1", "unknown env option")]
    public void RejectsBadOptionsBeforeTouchingAle(string pair, string named)
    {
        // The library and ROM paths point nowhere: option errors must come first.
        var e = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Pong-v5", Options(pair, "ale_lib=/nonexistent/lib.so", "roms=/nonexistent")));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void MissingRomNamesTheFileAndWhereItLooked()
    {
        string roms = Directory.CreateTempSubdirectory("sobolevrl-roms-").FullName;
        try
        {
            var e = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/SpaceInvaders-v5", Options($"roms={roms}")));
            Assert.Contains("space_invaders.bin", e.Message);
            Assert.Contains(Path.Combine(roms, "space_invaders.bin"), e.Message);
            Assert.Contains("option roms", e.Message);
        }
        finally
        {
            Directory.Delete(roms, recursive: true);
        }
    }

    [Fact]
    public void NoRomDirectoryNamesTheVariable()
    {
        var e = Assert.Throws<EnvException>(() => AleRoms.Find("breakout", null, null));
        Assert.Contains("SOBOLEVRL_ROMS", e.Message);
        Assert.Contains("breakout.bin", e.Message);
        var fromVariable = Assert.Throws<EnvException>(() => AleRoms.Find("breakout", null, "/nonexistent-roms"));
        Assert.Contains("/nonexistent-roms/breakout.bin", fromVariable.Message);
        Assert.Contains("SOBOLEVRL_ROMS", fromVariable.Message);
    }

    [Fact]
    public void MissingShimSaysHowToBuildIt()
    {
        string roms = Directory.CreateTempSubdirectory("sobolevrl-roms-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(roms, "pong.bin"), new byte[2048]);
            var e = Assert.Throws<EnvException>(() => new AleFamily().Make("ALE/Pong-v5", Options($"roms={roms}", "ale_lib=/nonexistent/libsobolevrl_ale.so")));
            Assert.Contains("/nonexistent/libsobolevrl_ale.so", e.Message);
            Assert.Contains("make ale ALE_DIR=", e.Message);
            Assert.Contains("SOBOLEVRL_ALE_LIB", e.Message);
        }
        finally
        {
            Directory.Delete(roms, recursive: true);
        }
    }

    [Fact]
    public void AFileThatIsNotTheShimIsRefusedWithHowToBuildIt()
    {
        string directory = Directory.CreateTempSubdirectory("sobolevrl-shim-").FullName;
        try
        {
            string junk = Path.Combine(directory, "libsobolevrl_ale.so");
            File.WriteAllBytes(junk, new byte[4096]);
            var notLoadable = Assert.Throws<EnvException>(() => AleLibrary.Load(junk));
            Assert.Contains("does not load", notLoadable.Message);
            Assert.Contains("make ale ALE_DIR=", notLoadable.Message);
            Assert.Contains(AleLibrary.AleDocumentation, notLoadable.Message);
            // One line: the loader's multi-line text is joined.
            Assert.DoesNotContain('\n', notLoadable.Message);

            // A real shared library without the shim's functions (the C library is always there on Linux).
            string? libc = new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6" }.FirstOrDefault(File.Exists);
            if (libc is null) return;
            var foreign = Assert.Throws<EnvException>(() => AleLibrary.Load(libc));
            Assert.Contains("is not SobolevRL's ALE shim", foreign.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void UnconfiguredShimSaysHowToBuildIt()
    {
        var e = Assert.Throws<EnvException>(() => AleLibrary.ResolvePath(null, null));
        Assert.Contains("SOBOLEVRL_ALE_LIB", e.Message);
        Assert.Contains("ale_lib", e.Message);
        Assert.Contains("make ale ALE_DIR=", e.Message);
        Assert.Equal("/a.so", AleLibrary.ResolvePath("/a.so", "/b.so"));
        Assert.Equal("/b.so", AleLibrary.ResolvePath(null, "/b.so"));
    }

    [Fact]
    public void EmulatorSettingsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AleEmulatorSettings(-1).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AleEmulatorSettings(0, RepeatActionProbability: 1.01f).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AleEmulatorSettings(0, RepeatActionProbability: float.NaN).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AleEmulatorSettings(0, FrameSkip: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AleEmulatorSettings(0, Mode: -2).Validate());
        new AleEmulatorSettings(0, 0, 1, 0, 0, 0).Validate();
    }

    [Fact]
    public void AleSeedsAreNonNegativeAndSpread()
    {
        var seeds = Enumerable.Range(0, 1000).Select(s => AleEnv.ToAleSeed(s)).ToList();
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.Equal(1000, seeds.Distinct().Count());
        Assert.True(AleEnv.ToAleSeed(long.MinValue) >= 0);
    }
}
