using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary>Options of commands that take a teacher: the ONNX file and values overriding its model card.</summary>
public class TeacherSettings : DeviceSettings
{
    /// <summary>The teacher .onnx file.</summary>
    [CommandArgument(0, "<FILE>"), Description("Teacher policy .onnx file; its model card <FILE>.card.json is read when present.")]
    public string File { get; init; } = "";

    /// <summary>Policy output name or index.</summary>
    [CommandOption("--policy-output <NAME|INDEX>"), Description("Graph output holding the policy (name or index); overrides the card's policy_output.")]
    public string? PolicyOutput { get; init; }

    /// <summary>Output kind.</summary>
    [CommandOption("--output-kind <KIND>"), Description("What the policy output is: logits, q_values, probabilities or log_probabilities.")]
    public string? OutputKind { get; init; }

    /// <summary>Softmax temperature.</summary>
    [CommandOption("--temperature <TAU>"), Description("Softmax temperature τ of the policy (π = softmax(z/τ)).")]
    public double? Temperature { get; init; }

    /// <summary>Input layout.</summary>
    [CommandOption("--input-layout <LAYOUT>"), Description("Layout of the network input: nchw or nhwc (observations are CHW).")]
    public string? InputLayout { get; init; }

    /// <summary>Input scale.</summary>
    [CommandOption("--input-scale <SCALE>"), Description("Multiplier from observation values to network input, e.g. 1/255 or 0.5.")]
    public string? InputScale { get; init; }

    /// <summary>The card overrides given on the command line.</summary>
    public TeacherOverrides Overrides() => new()
    {
        PolicyOutput = PolicyOutput,
        OutputKind = OutputKind is null ? null : ParseKind(OutputKind),
        Temperature = Temperature,
        InputLayout = InputLayout?.ToLowerInvariant() switch
        {
            null => null,
            "nchw" => Teachers.InputLayout.Nchw,
            "nhwc" => Teachers.InputLayout.Nhwc,
            _ => throw new UserErrorException($"--input-layout {InputLayout}: not nchw or nhwc"),
        },
        InputScale = InputScale is null ? null : ParseScale(InputScale),
    };

    /// <summary>
    /// Checks, before any work, that the file <paramref name="path"/> given to <paramref name="option"/> can be written:
    /// its folder exists and it is not itself a folder.
    /// </summary>
    public static void RequireWritableFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new UserErrorException($"{option} {path}: is a directory; give a file path");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new UserErrorException($"{option} {path}: folder '{folder}' does not exist; create it first (mkdir -p) or write elsewhere");
    }

    /// <summary>Loads the teacher with the card overrides on the device of <c>--device</c>.</summary>
    public OnnxTeacher LoadTeacher() => TeacherLoader.Load(File, TorchSetup.Apply(this), Overrides());

    static PolicyOutputKind ParseKind(string text) => text.ToLowerInvariant().Replace("-", "_", StringComparison.Ordinal) switch
    {
        "logits" => PolicyOutputKind.Logits,
        "q_values" or "q" => PolicyOutputKind.QValues,
        "probabilities" or "probs" => PolicyOutputKind.Probabilities,
        "log_probabilities" or "log_probs" => PolicyOutputKind.LogProbabilities,
        _ => throw new UserErrorException($"--output-kind {text}: not one of logits, q_values, probabilities, log_probabilities"),
    };

    static double ParseScale(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length <= 2 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            double value = double.Parse(parts[0], CultureInfo.InvariantCulture);
            return parts.Length == 2 ? value / double.Parse(parts[1], CultureInfo.InvariantCulture) : value;
        }
        throw new UserErrorException($"--input-scale {text}: not a number or a fraction like 1/255");
    }
}
