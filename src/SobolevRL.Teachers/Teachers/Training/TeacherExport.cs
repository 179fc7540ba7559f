using System.Globalization;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Onnx;
using SobolevRL.Policies;

namespace SobolevRL.Teachers.Training;

/// <summary>Evaluations of a trained policy under one protocol, greedy and stochastic.</summary>
/// <param name="Protocol">Env id and options of the protocol.</param>
/// <param name="Greedy">Greedy acting.</param>
/// <param name="Stochastic">Sampling from softmax(logits).</param>
public sealed record TeacherEvaluation(string Protocol, EvaluationResult Greedy, EvaluationResult Stochastic)
{
    /// <summary>The acting mode with the higher mean return (greedy on a tie).</summary>
    public ActingMode Best => Stochastic.Mean > Greedy.Mean ? ActingMode.Stochastic : ActingMode.Greedy;
}

/// <summary>Evaluates a trained policy and writes it as <c>policy.onnx</c> with its model card.</summary>
public static class TeacherExport
{
    /// <summary>Architecture text of the cards.</summary>
    public static string Architecture(int channels, int hidden) => Architecture(new TeacherNetwork("minatar", 1.0), channels, hidden);

    /// <summary>Architecture text of a PPO teacher's card.</summary>
    public static string Architecture(TeacherNetwork network, int channels, int hidden) =>
        network.Describe(channels, hidden, "(logits); trained with a value head on the same torso");

    /// <summary>
    /// The env option of <paramref name="envId"/>'s family that sets the sticky-action probability:
    /// <c>repeat_action_probability</c> (inside ALE, per frame) for <c>ALE/…</c>, <c>sticky_action_prob</c> otherwise.
    /// </summary>
    public static string StickyOption(string envId) => envId.StartsWith("ALE/", StringComparison.Ordinal) ? "repeat_action_probability" : "sticky_action_prob";

    /// <summary>
    /// Plays <see cref="EvaluationOptions.Episodes"/> episodes greedily and as many stochastically, in
    /// <paramref name="envId"/> with the evaluation's sticky-action probability (other env options at their defaults).
    /// </summary>
    public static TeacherEvaluation Evaluate(IPolicy policy, string envId, EvaluationOptions evaluation, Action<string, int>? progress = null)
    {
        var registry = EnvRegistry.CreateDefault();
        string sticky = evaluation.StickyActionProb.ToString(CultureInfo.InvariantCulture);
        IEnv Make() => registry.Make(envId, new EnvOptions(new Dictionary<string, string> { [StickyOption(envId)] = sticky }));
        string protocol = $"{envId} {StickyOption(envId)}={sticky}, {evaluation.Episodes} episodes with seeds {evaluation.Seed}.., " +
            (evaluation.MaxEpisodeSteps > 0 ? $"episodes cut at {evaluation.MaxEpisodeSteps} steps" : "no step limit");
        var greedy = PolicyEvaluator.Run(policy, Make, evaluation.Episodes, ActingMode.Greedy, evaluation.Seed, evaluation.MaxEpisodeSteps,
            progress: n => progress?.Invoke("greedy", n));
        var stochastic = PolicyEvaluator.Run(policy, Make, evaluation.Episodes, ActingMode.Stochastic, evaluation.Seed, evaluation.MaxEpisodeSteps,
            progress: n => progress?.Invoke("stochastic", n));
        return new TeacherEvaluation(protocol, greedy, stochastic);
    }

    /// <summary>
    /// Writes the policy network of <paramref name="policy"/> (observations → logits) to <paramref name="onnxPath"/> and its card beside it.
    /// The card's evaluation is the better acting mode; the other one is listed under <c>other_evaluations</c>.
    /// </summary>
    public static ModelCard Write(ModulePolicy policy, string onnxPath, string envId, string architecture, TrainingRecord training, TeacherEvaluation? evaluation,
        PolicyOutputKind outputKind = PolicyOutputKind.Logits)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        OnnxExporter.Export(policy.Network, policy.ObservationShape, onnxPath, new OnnxExportOptions
        {
            Description = $"{training.Algorithm} teacher for {envId}; {(outputKind == PolicyOutputKind.QValues ? "Q-values" : "logits at temperature 1")}; input float32 NCHW " +
                (policy.InputScale == 1.0 ? "in {0,1}" : "in 0..255, multiplied by the card's input scale first"),
        });
        EvaluationRecord? primary = null;
        List<EvaluationRecord>? others = null;
        if (evaluation is not null)
        {
            var greedy = Record(evaluation.Protocol, evaluation.Greedy, "greedy");
            var stochastic = Record(evaluation.Protocol, evaluation.Stochastic, "stochastic (sample from softmax(logits))");
            (primary, var other) = evaluation.Best == ActingMode.Greedy ? (greedy, stochastic) : (stochastic, greedy);
            others = [other];
        }
        var card = new ModelCard
        {
            Env = envId,
            Architecture = architecture,
            PolicyOutput = new OnnxExportOptions().OutputName,
            OutputKind = outputKind,
            Temperature = policy.Temperature,
            Actions = policy.Actions,
            Input = new ModelInput { Dtype = "float32", Layout = InputLayout.Nchw, Scale = policy.InputScale, Shape = policy.ObservationShape },
            Training = training,
            Evaluation = primary,
            OtherEvaluations = others,
        };
        card.Write(ModelCard.PathFor(onnxPath));
        return card;
    }

    private static EvaluationRecord Record(string protocol, EvaluationResult result, string acting) => new()
    {
        Protocol = protocol,
        Episodes = result.Returns.Length,
        ReturnMean = result.Mean,
        ReturnStd = result.Std,
        Acting = acting,
    };
}
