using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>Loads an ONNX teacher with its model card; the one entry point of every command that takes a teacher.</summary>
public static class TeacherLoader
{
    /// <summary>
    /// Loads <paramref name="path"/>, reads <c>&lt;path&gt;.card.json</c> when present (defaults otherwise), applies
    /// <paramref name="overrides"/>, rebuilds the graph on <paramref name="device"/> and checks the card against it.
    /// Every problem (missing or damaged file, unsupported operators, card contradicting the graph) is a
    /// <see cref="UserErrorException"/> naming the file.
    /// </summary>
    /// <param name="path">The .onnx file; <c>FILE.onnx#GAME</c> takes game GAME's output of a multi-game policy (<see cref="ModelCard.ForGame"/>).</param>
    /// <param name="device">Device of the rebuilt graph.</param>
    /// <param name="overrides">Card values given on the command line.</param>
    /// <param name="readCard">False to ignore a card file beside the model (defaults and overrides only, as
    /// <c>teacher card</c> needs to make a template from the graph).</param>
    public static OnnxTeacher Load(string path, Device device, TeacherOverrides? overrides = null, bool readCard = true)
    {
        overrides ??= TeacherOverrides.None;
        (path, string? game) = ModelCard.SplitGame(path);
        if (!File.Exists(path)) throw new UserErrorException($"teacher '{path}' not found; give the path of a policy .onnx file");
        string cardPath = ModelCard.PathFor(path);
        bool hasCard = readCard && File.Exists(cardPath);
        ModelCard read = hasCard ? ModelCard.Read(cardPath) : new ModelCard();
        ModelCard card = overrides.ApplyTo(game is null ? read : read.ForGame(game, path));
        string source = (hasCard ? cardPath + (game is null ? "" : $" (game {game})") : "defaults (no card file)") + (overrides.Any ? " + flags" : "");
        OnnxGraph graph;
        IReadOnlyList<OnnxValueInfo> declaredInputs;
        try
        {
            // A uint8 observation input is rebuilt as a float one (see OnnxUint8Inputs), float16 values as float32 ones
            // (see OnnxFloat16); the card is checked against the input as the file declares it.
            ModelProto model = OnnxModelFile.Read(path);
            graph = OnnxGraph.FromModel(OnnxFloat16.AsFloat32(OnnxUint8Inputs.AsFloat(model, path)), device, path);
            declaredInputs = OnnxValueInfo.InputsOf(model.Graph);
        }
        catch (OnnxModelException e)
        {
            throw new UserErrorException(e.Message.Replace("\n", "; ", StringComparison.Ordinal), e);
        }
        try
        {
            TeacherSignature signature = TeacherSignature.Resolve(declaredInputs, graph.Outputs, card, path, graph.ProducerOf);
            return new OnnxTeacher(path, graph, card, signature, source);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }
}
