using Microsoft.ML.OnnxRuntime;

namespace SobolevRL.Tests.Onnx;

/// <summary>Runs a model with ONNX Runtime's InferenceSession on one float input; the reference for the rebuilt graph.</summary>
public sealed class OrtReference(string path) : IDisposable
{
    readonly InferenceSession _session = new(path);

    public string InputName => _session.InputMetadata.Keys.First();

    public IReadOnlyList<string> OutputNames => _session.OutputMetadata.Keys.ToArray();

    /// <summary>Output shapes of the last <see cref="Run"/>.</summary>
    public Dictionary<string, long[]> LastShapes { get; private set; } = [];

    public Dictionary<string, float[]> Run(float[] input, long[] shape)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var results = _session.Run(new RunOptions(), [InputName], [value], OutputNames.ToArray());
        LastShapes = OutputNames.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorTypeAndShape().Shape);
        return OutputNames.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose() => _session.Dispose();
}
