using SobolevRL.Envs.Play;
using SobolevRL.Envs.Registry;

namespace SobolevRL.Cli.Commands.Env;

/// <summary><c>sobolevrl env play</c>: plays episodes with a policy, prints returns and lengths, optionally records a GIF.</summary>
public sealed class EnvPlayCommand : Command<EnvPlayCommand.Settings>
{
    /// <summary>Options of <c>env play</c>.</summary>
    public sealed class Settings : EnvSettings
    {
        /// <summary>Who acts.</summary>
        [CommandOption("--policy <POLICY>"), Description("Who acts: random, or a policy FILE.onnx."), DefaultValue("random")]
        public string Policy { get; init; } = "random";

        /// <summary>Episodes to play.</summary>
        [CommandOption("--episodes <N>"), Description("Episodes to play."), DefaultValue(5)]
        public int Episodes { get; init; } = 5;

        /// <summary>GIF output.</summary>
        [CommandOption("--record <FILE.gif>"), Description("Record the episodes as an animated GIF (upscaled; channel colours for grid games).")]
        public string? Record { get; init; }

        /// <summary>Step cap per episode.</summary>
        [CommandOption("--max-steps <N>"), Description("Cut an episode after N steps (0: no cap beyond the environment's own)."), DefaultValue(0)]
        public int MaxSteps { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Episodes < 1) throw new UserErrorException($"--episodes {settings.Episodes}: must be >= 1");
        if (settings.MaxSteps < 0) throw new UserErrorException($"--max-steps {settings.MaxSteps}: must be >= 0");
        using var env = EnvRegistry.CreateDefault().Make(settings.Env, settings.Options());
        using var actor = PolicyActor.Create(settings.Policy, env, settings.Seed);
        var result = EnvPlayer.Play(env, actor.Act, settings.Episodes, settings.Seed, settings.Record, settings.MaxSteps,
            onEpisode: settings.Json ? null : e => Output.Log(string.Create(CultureInfo.InvariantCulture, $"episode {e.Episode}: return {e.Return}, length {e.Length}{(e.Truncated ? " (truncated)" : "")}")));
        if (settings.Json)
        {
            Output.Json(new { env = settings.Env, policy = settings.Policy, episodes = result.Episodes, mean_return = result.MeanReturn, std_return = result.StdReturn, mean_length = result.MeanLength, gif = settings.Record, gif_frames = result.GifFrames });
            return 0;
        }
        Output.Table($"{settings.Env}, policy {settings.Policy}", ["episode", "return", "length"],
            result.Episodes.Select(e => new[] { e.Episode.ToString(CultureInfo.InvariantCulture), e.Return.ToString("G", CultureInfo.InvariantCulture), e.Length.ToString(CultureInfo.InvariantCulture) + (e.Truncated ? " (truncated)" : "") }));
        Output.Log(string.Create(CultureInfo.InvariantCulture, $"mean return {result.MeanReturn:F2} ± {result.StdReturn:F2} (std), mean length {result.MeanLength:F1}"));
        if (settings.Record != null) Output.Log($"recorded {result.GifFrames} frames to {settings.Record}");
        return 0;
    }
}
