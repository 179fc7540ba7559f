using SobolevRL.Envs.Core;
using SobolevRL.Policies;
using TorchSharp.Modules;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// The network a trained teacher uses (config key <c>network</c>): <c>minatar</c> (the MinAtar CNN for C×10×10
/// observations in {0,1}), <c>nature</c> (the Nature-DQN CNN for C×84×84 Atari frames in 0..255, read ×1/255), or
/// <c>auto</c>, which picks by the observation shape. One place for PPO and DQN, so both build, scale and describe it alike.
/// </summary>
/// <param name="Kind">The resolved kind, <c>minatar</c> or <c>nature</c>.</param>
/// <param name="InputScale">Factor applied to the byte observations before the network (1/255 for Atari frames).</param>
public sealed record TeacherNetwork(string Kind, double InputScale)
{
    /// <summary>The values of the <c>network</c> key.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["auto", "minatar", "nature"];

    /// <summary>Resolves <paramref name="network"/> for <paramref name="envId"/>'s observations; a user error when they do not fit.</summary>
    public static TeacherNetwork Resolve(string network, string envId, BoxSpace space)
    {
        SobolevRL.Config.Check.OneOf(network, [.. Kinds], "network");
        bool minatar = space.Shape.Length == 3 && space.Shape[1] == 10 && space.Shape[2] == 10;
        bool atari = space.Shape.Length == 3 && space.Shape[1] == 84 && space.Shape[2] == 84;
        string kind = network != "auto" ? network : atari ? "nature" : "minatar";
        if (kind == "minatar" && !minatar)
            throw new UserErrorException($"{UserErrorException.Key("network")} minatar: the MinAtar CNN needs C×10×10 observations; {envId} gives {space} (Atari frames of C×84×84 take network=nature)");
        if (kind == "nature" && !atari)
            throw new UserErrorException($"{UserErrorException.Key("network")} nature: the Nature CNN needs C×84×84 observations; {envId} gives {space} (set the ALE option screen_size=84, or network=minatar for MinAtar)");
        return new TeacherNetwork(kind, kind == "nature" ? 1.0 / 255.0 : 1.0);
    }

    /// <summary>Builds the network (observations → <paramref name="outputs"/> logits or Q-values) and the width of its last hidden layer.</summary>
    public (Sequential Network, int Features) Build(long[] shape, int outputs, int convChannels, int hidden) => Kind == "nature"
        ? (PolicyNetworks.NatureCnn(outputs, 1.0, (int)shape[0]), 512)
        : (PolicyNetworks.MinAtarCnn((int)shape[0], outputs, convChannels, hidden), hidden);

    /// <summary>Architecture text of the model card.</summary>
    public string Describe(int convChannels, int hidden, string trainedWith) => Kind == "nature"
        ? $"Nature-DQN CNN (Mnih et al. 2015): conv 32 8x8/4, conv 64 4x4/2, conv 64 3x3/1, fc 512, fc actions; input 0..255 scaled by 1/255; {trainedWith}"
        : $"MinAtar CNN: conv {convChannels} 3x3 stride 1, ReLU, flatten, fc {hidden}, ReLU, fc actions; {trainedWith}";
}
