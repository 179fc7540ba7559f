using SobolevRL.Onnx;
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
    public static OnnxTeacher Load(string path, Device device, TeacherOverrides? overrides = null)
    {
        overrides ??= TeacherOverrides.None;
        if (!File.Exists(path)) throw new UserErrorException($"teacher '{path}' not found; give the path of a policy .onnx file");
        string cardPath = ModelCard.PathFor(path);
        bool hasCard = File.Exists(cardPath);
        ModelCard card = overrides.ApplyTo(hasCard ? ModelCard.Read(cardPath) : new ModelCard());
        string source = (hasCard ? cardPath : "defaults (no card file)") + (overrides.Any ? " + flags" : "");
        OnnxGraph graph;
        try
        {
            graph = OnnxGraph.Load(path, device);
        }
        catch (OnnxModelException e)
        {
            throw new UserErrorException(e.Message.Replace("\n", "; ", StringComparison.Ordinal), e);
        }
        try
        {
            TeacherSignature signature = TeacherSignature.Resolve(graph.Inputs, graph.Outputs, card, path);
            return new OnnxTeacher(path, graph, card, signature, source);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }
}
