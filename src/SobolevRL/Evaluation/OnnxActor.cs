using SobolevRL.Onnx;
using SobolevRL.Teachers;

namespace SobolevRL.Evaluation;

/// <summary>Greedy acting with an ONNX policy through ONNX Runtime, scaling inputs as its model card says.</summary>
public sealed class OnnxActor : IDisposable
{
    private readonly OrtPolicy _policy;
    private readonly float _scale;

    /// <summary>Opens <paramref name="path"/>; reads <c>&lt;path&gt;.card.json</c> when present (input scale), else scale 1.</summary>
    public OnnxActor(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"policy '{path}' does not exist; give a .onnx file or a run directory");
        string card = ModelCard.PathFor(path);
        Card = File.Exists(card) ? ModelCard.Read(card) : null;
        _scale = (float)(Card?.Input.Scale ?? 1.0);
        try { _policy = new OrtPolicy(path, 1, Card?.PolicyOutput); }
        catch (OnnxModelException e) { throw new UserErrorException(e.Message); }
    }

    /// <summary>The model card, when one was found.</summary>
    public ModelCard? Card { get; }

    /// <summary>The arg-max action for one observation.</summary>
    public int Act(ReadOnlySpan<byte> observation)
    {
        var logits = _policy.Run(observation, 1, _scale);
        int best = 0;
        for (int a = 1; a < logits.Length; a++) if (logits[a] > logits[best]) best = a;
        return best;
    }

    /// <inheritdoc />
    public void Dispose() => _policy.Dispose();
}
