using System.Globalization;
using SobolevRL.Policies;
using TorchSharp.Modules;

namespace SobolevRL.Distillation;

/// <summary>Student architecture families.</summary>
public enum StudentFamily
{
    /// <summary>Nature-DQN CNN with a width multiplier; input scale 1/255 (Atari frames).</summary>
    Nature,
    /// <summary>MinAtar CNN with given conv channels and hidden width; input scale 1.</summary>
    MinAtar,
    /// <summary>ReLU MLP over the flattened observation; input scale 1/255 for 84×84 frames, else 1.</summary>
    Mlp,
}

/// <summary>A student architecture as written on the command line: <c>nature:W</c>, <c>minatar:C,H</c>, <c>mlp:H1,H2,…</c>.</summary>
/// <param name="Family">Architecture family.</param>
/// <param name="Numbers">The numbers after the colon.</param>
public sealed record StudentSpec(StudentFamily Family, double[] Numbers)
{
    /// <summary>Parses a spec; throws <see cref="UserErrorException"/> with the accepted forms otherwise.</summary>
    public static StudentSpec Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        int colon = t.IndexOf(':');
        string family = colon < 0 ? t : t[..colon];
        double[] numbers = [];
        if (colon >= 0)
        {
            var parts = t[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries);
            numbers = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !(numbers[i] > 0))
                    throw Bad(text);
        }
        bool integers = numbers.All(n => n == Math.Floor(n));
        return family switch
        {
            "nature" when numbers.Length == 1 => new StudentSpec(StudentFamily.Nature, numbers),
            "minatar" when numbers.Length == 2 && integers => new StudentSpec(StudentFamily.MinAtar, numbers),
            "mlp" when numbers.Length >= 1 && integers => new StudentSpec(StudentFamily.Mlp, numbers),
            _ => throw Bad(text),
        };
    }

    private static UserErrorException Bad(string text) =>
        new($"student '{text}' is not one of nature:W (width multiplier, e.g. nature:0.5), minatar:C,H (e.g. minatar:16,128), mlp:H1,H2,... (e.g. mlp:256,256)");

    /// <summary>Multiplier from environment values to the network's input range.</summary>
    public double InputScale(long[] observationShape) => Family switch
    {
        StudentFamily.Nature => 1.0 / 255.0,
        StudentFamily.Mlp when observationShape.Length == 3 && observationShape[1] >= 84 => 1.0 / 255.0,
        _ => 1.0,
    };

    /// <summary>Builds the network for observations of <paramref name="observationShape"/> (CHW) and <paramref name="actions"/> actions.</summary>
    public Sequential Build(long[] observationShape, int actions)
    {
        switch (Family)
        {
            case StudentFamily.Nature:
                if (observationShape.Length != 3 || observationShape[1] != 84 || observationShape[2] != 84)
                    throw new UserErrorException($"student {this}: the Nature CNN takes C×84×84 observations, the dataset has [{string.Join(", ", observationShape)}]; use minatar:C,H or mlp:H1,H2");
                return PolicyNetworks.NatureCnn(actions, Numbers[0], (int)observationShape[0]);
            case StudentFamily.MinAtar:
                if (observationShape.Length != 3 || observationShape[1] != 10 || observationShape[2] != 10)
                    throw new UserErrorException($"student {this}: the MinAtar CNN takes C×10×10 observations, the dataset has [{string.Join(", ", observationShape)}]; use nature:W or mlp:H1,H2");
                return PolicyNetworks.MinAtarCnn((int)observationShape[0], actions, (int)Numbers[0], (int)Numbers[1]);
            default:
                return PolicyNetworks.Mlp(observationShape.Aggregate(1L, (a, d) => a * d), Numbers.Select(n => (int)n).ToArray(), actions);
        }
    }

    /// <summary>The spec as written on the command line.</summary>
    public override string ToString() =>
        $"{Family.ToString().ToLowerInvariant()}:{string.Join(',', Numbers.Select(n => n.ToString("G", CultureInfo.InvariantCulture)))}";
}
