using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary>
/// <c>sobolevrl teacher card FILE.onnx [--env ID]</c>: writes a model card template <c>FILE.onnx.card.json</c> from the
/// graph (input, policy output, kind inferred from the final node, action count, layout guessed from the environment's
/// observation shape) and lists the fields a person must check.
/// </summary>
public sealed class TeacherCardCommand : Command<TeacherCardCommand.Settings>
{
    /// <summary>Options of <c>teacher card</c>.</summary>
    public sealed class Settings : TeacherSettings
    {
        /// <summary>Environment the teacher acts in.</summary>
        [CommandOption("--env <ID>"), Description("Environment the teacher acts in, e.g. MinAtar/Breakout-v1: fills env, checks shapes and actions, guesses the layout (NCHW or NHWC).")]
        public string? Env { get; init; }

        /// <summary>Replace an existing card.</summary>
        [CommandOption("--force"), Description("Replace an existing card file.")]
        public bool Force { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string cardPath = ModelCard.PathFor(settings.File);
        if (File.Exists(cardPath) && !settings.Force)
            throw new UserErrorException($"card '{cardPath}' exists; give --force to replace it");
        TeacherSettings.RequireWritableFile(cardPath, "card");
        int[]? envShape = null;
        int envActions = 0;
        if (settings.Env is { } envId)
        {
            using IEnv env = EnvRegistry.CreateDefault().Make(envId, EnvOptions.Parse([]));
            (envShape, envActions) = (env.ObservationSpace.Shape, env.ActionSpace.N);
        }
        // The template is made from the graph and the flags alone: an existing card (replaced with --force) does not shape it.
        ModelCard card;
        // A graph with inputs besides the observation gets its recurrent state pairs proposed (inputs and outputs matched
        // by type, shape and name).
        TeacherOverrides overrides = settings.Overrides();
        if (File.Exists(settings.File)) overrides = overrides with { Recurrent = RecurrentStatePairs.Propose(settings.File, overrides.PolicyOutput) };
        using (OnnxTeacher fromGraph = TeacherLoader.Load(settings.File, TorchSetup.Apply(settings), overrides, readCard: false))
            card = Template(fromGraph, settings.Env, envShape);
        if (envShape is not null)
            TeacherCompatibility.Check(card.Input.Shape, card.Actions, envShape, envActions, settings.Env!, settings.File);
        card.Write(cardPath);
        Output.Table($"wrote {cardPath}", ["field", "value", "from"], Rows(card, settings.Env is not null));
        Output.Log("check the fields marked 'a person must check', then run: sobolevrl teacher check " + settings.File + (settings.Env is null ? " --env ID" : ""));
        return 0;
    }

    static ModelCard Template(OnnxTeacher teacher, string? envId, int[]? envShape)
    {
        long[] shape = teacher.ObservationShape;
        InputLayout layout = teacher.Card.Input.Layout;
        // A graph whose per-sample input is the environment's [C, H, W] as [H, W, C] is channels last.
        if (envShape is { Length: 3 } e && layout == InputLayout.Nchw && shape.Length == 3 && shape[0] == e[1] && shape[1] == e[2] && shape[2] == e[0])
        {
            layout = InputLayout.Nhwc;
            shape = e.Select(d => (long)d).ToArray();
        }
        return new ModelCard
        {
            Env = envId ?? "",
            Architecture = "",
            PolicyOutput = teacher.Signature.Output.Name,
            OutputKind = teacher.OutputKind,
            Temperature = teacher.Temperature,
            Actions = teacher.Actions,
            Input = new ModelInput
            {
                Name = teacher.Signature.Input.Name,
                Dtype = teacher.Card.Input.Dtype,
                Layout = layout,
                Scale = teacher.Card.Input.Scale,
                Shape = shape,
            },
            Recurrent = teacher.Card.Recurrent,
            Notes = "Template written by `sobolevrl teacher card`; a person must check: env, architecture, output_kind, temperature, input.scale" +
                (teacher.Card.Recurrent is null ? "." : ", recurrent.state."),
        };
    }

    static IEnumerable<string[]> Rows(ModelCard card, bool fromEnv)
    {
        const string Check = "a person must check";
        yield return ["env", card.Env, card.Env.Length > 0 ? "--env" : Check];
        yield return ["architecture", "", Check + " (free text)"];
        yield return ["policy_output", card.PolicyOutput ?? "", "graph (first output)"];
        yield return ["output_kind", ModelCard.Spelling(card.OutputKind ?? PolicyOutputKind.Logits), Check + " (inferred from the final node: Softmax → probabilities, LogSoftmax → log_probabilities, else logits; Q-values are q_values)"];
        yield return ["temperature", card.Temperature.ToString(System.Globalization.CultureInfo.InvariantCulture), Check + " (τ of π = softmax(z/τ))"];
        yield return ["actions", card.Actions.ToString(System.Globalization.CultureInfo.InvariantCulture), "graph (policy output width)"];
        yield return ["input.name", card.Input.Name ?? "", "graph"];
        yield return ["input.dtype", card.Input.Dtype ?? "", "graph"];
        yield return ["input.layout", ModelCard.Spelling(card.Input.Layout), fromEnv ? "graph vs the env's observation shape" : Check + " (give --env to guess it)"];
        yield return ["input.scale", card.Input.Scale.ToString(System.Globalization.CultureInfo.InvariantCulture), Check + " (e.g. 1/255 = 0.00392156862745098 when the network expects [0, 1] and the env gives 0..255)"];
        yield return ["input.shape", "[" + string.Join(", ", card.Input.Shape) + "]", fromEnv ? "env (CHW)" : "graph"];
        if (card.Recurrent is { } recurrent)
            yield return ["recurrent.state", string.Join(", ", recurrent.State.Select(p => p.Input + " → " + p.Output)),
                Check + " (graph inputs besides the observation paired with outputs of the same type and shape, by name)"];
    }
}
