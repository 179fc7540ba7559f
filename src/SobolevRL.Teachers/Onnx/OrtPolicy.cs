using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace SobolevRL.Onnx;

/// <summary>
/// Acts with an ONNX policy through ONNX Runtime. Input and output buffers are allocated once (up to
/// <see cref="MaxBatch"/> samples) and the ORT tensors wrapping them are cached per batch size, so a call
/// allocates nothing but what ORT allocates internally.
/// </summary>
public sealed class OrtPolicy : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();
    readonly float[] _input;
    readonly float[] _output;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly Dictionary<int, (OrtValue[] Inputs, OrtValue[] Outputs)> _byBatch = [];
    readonly long[] _outputShape;
    // A model exported without a dynamic batch axis takes exactly one observation: batches run one sample at a time.
    readonly bool _oneAtATime;
    readonly Dictionary<int, (OrtValue[] Inputs, OrtValue[] Outputs)> _bySample = [];

    /// <summary>Opens <paramref name="path"/>; acts on batches of up to <paramref name="maxBatch"/> observations.</summary>
    /// <param name="path">ONNX model with one float input whose first dimension is the batch (dynamic, or fixed at 1); a
    /// uint8 input that goes straight into a Cast to float is run as a float input (<see cref="OnnxUint8Inputs"/>).</param>
    /// <param name="maxBatch">Largest batch passed to <see cref="Run(ReadOnlySpan{float}, int)"/>.</param>
    /// <param name="outputName">Output to read (default: the model's first output, e.g. the policy logits).</param>
    /// <param name="options">ORT session options (threads, optimisation level); null for defaults.</param>
    /// <exception cref="OnnxModelException">The file cannot be opened by ONNX Runtime or has an unsuitable signature.</exception>
    public OrtPolicy(string path, int maxBatch, string? outputName = null, SessionOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new OnnxModelException($"ONNX model '{path}' does not exist. Check the path.");
        }
        _session = Open(path, null, options);
        try
        {
            if (_session.InputMetadata.Count == 1 && _session.InputMetadata.First().Value.ElementType == typeof(byte))
            {
                byte[] asFloat = OnnxUint8Inputs.AsFloat(OnnxModelFile.Read(path), path).ToByteArray();
                _session.Dispose();
                _session = Open(path, asFloat, options);
            }
            if (_session.InputMetadata.Count != 1)
            {
                throw new OnnxModelException($"ONNX model '{path}' has {_session.InputMetadata.Count} inputs; a policy takes one observation input.");
            }
            var (inputName, inputMeta) = _session.InputMetadata.First();
            if (inputMeta.ElementType != typeof(float))
            {
                throw new OnnxModelException($"ONNX model '{path}': input '{inputName}' is {inputMeta.ElementType.Name}; OrtPolicy needs float observations.");
            }
            outputName ??= _session.OutputMetadata.Keys.First();
            if (!_session.OutputMetadata.TryGetValue(outputName, out NodeMetadata? outputMeta))
            {
                throw new OnnxModelException($"ONNX model '{path}' has no output '{outputName}' (outputs: {string.Join(", ", _session.OutputMetadata.Keys)}).");
            }
            ObservationShape = PerSample(inputMeta, path, inputName);
            int fixedBatch = inputMeta.Dimensions[0];
            if (fixedBatch > 1)
            {
                throw new OnnxModelException(
                    $"ONNX model '{path}': input '{inputName}' has a fixed batch of {fixedBatch}; re-export it with a dynamic batch axis " +
                    $"(torch.onnx.export(..., dynamic_axes={{'{inputName}': {{0: 'batch'}}}})) or with batch 1.");
            }
            _oneAtATime = fixedBatch == 1;
            _outputShape = PerSample(outputMeta, path, outputName);
            OutputSize = (int)_outputShape.Aggregate(1L, (a, d) => a * d);
            ObservationSize = (int)ObservationShape.Aggregate(1L, (a, d) => a * d);
            MaxBatch = maxBatch;
            _inputNames = [inputName];
            _outputNames = [outputName];
            _input = new float[maxBatch * ObservationSize];
            _output = new float[maxBatch * OutputSize];
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>Shape of one observation (the model input without its batch dimension).</summary>
    public long[] ObservationShape { get; }

    /// <summary>Number of floats in one observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Number of floats the chosen output has per sample (e.g. the number of actions).</summary>
    public int OutputSize { get; }

    /// <summary>Largest batch size accepted.</summary>
    public int MaxBatch { get; }

    static InferenceSession Open(string path, byte[]? model, SessionOptions? options)
    {
        try
        {
            return (model, options) switch
            {
                (null, null) => new InferenceSession(path),
                (null, _) => new InferenceSession(path, options),
                (_, null) => new InferenceSession(model),
                _ => new InferenceSession(model, options),
            };
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException($"ONNX Runtime cannot open '{path}': {e.Message}", e);
        }
    }

    static long[] PerSample(NodeMetadata meta, string path, string name)
    {
        int[] dims = meta.Dimensions;
        if (dims.Length == 0 || dims[1..].Any(d => d <= 0))
        {
            throw new OnnxModelException(
                $"ONNX model '{path}': '{name}' must be [batch, fixed dims...], got [{string.Join(",", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}].");
        }
        return dims[1..].Select(d => (long)d).ToArray();
    }

    /// <summary>
    /// Runs the policy on <paramref name="batch"/> observations laid out contiguously in <paramref name="observations"/>.
    /// </summary>
    /// <returns>The outputs, batch × <see cref="OutputSize"/>; valid until the next call.</returns>
    public ReadOnlySpan<float> Run(ReadOnlySpan<float> observations, int batch)
    {
        CheckBatch(observations.Length, batch);
        observations.CopyTo(_input);
        return RunFilled(batch);
    }

    /// <summary>Runs on byte observations (e.g. frames), each value multiplied by <paramref name="scale"/> (e.g. 1/255).</summary>
    /// <returns>The outputs, batch × <see cref="OutputSize"/>; valid until the next call.</returns>
    public ReadOnlySpan<float> Run(ReadOnlySpan<byte> observations, int batch, float scale)
    {
        CheckBatch(observations.Length, batch);
        for (int i = 0; i < observations.Length; i++)
        {
            _input[i] = observations[i] * scale;
        }
        return RunFilled(batch);
    }

    /// <summary>Writes the greedy (arg-max) action of each observation into <paramref name="actions"/>.</summary>
    public void Act(ReadOnlySpan<float> observations, int batch, Span<int> actions)
    {
        ReadOnlySpan<float> logits = Run(observations, batch);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * OutputSize, OutputSize);
            int best = 0;
            for (int a = 1; a < row.Length; a++)
            {
                best = row[a] > row[best] ? a : best;
            }
            actions[b] = best;
        }
    }

    void CheckBatch(int length, int batch)
    {
        if (batch < 1 || batch > MaxBatch || length != batch * ObservationSize)
        {
            throw new ArgumentException(
                $"Expected 1..{MaxBatch} observations of {ObservationSize} values; got batch {batch} with {length} values.");
        }
    }

    ReadOnlySpan<float> RunFilled(int batch)
    {
        if (_oneAtATime)
        {
            for (int b = 0; b < batch; b++)
            {
                if (!_bySample.TryGetValue(b, out var sample))
                {
                    sample = (
                        [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(b * ObservationSize, ObservationSize), [1, .. ObservationShape])],
                        [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(b * OutputSize, OutputSize), [1, .. _outputShape])]);
                    _bySample[b] = sample;
                }
                _session.Run(_runOptions, _inputNames, sample.Inputs, _outputNames, sample.Outputs);
            }
            return _output.AsSpan(0, batch * OutputSize);
        }
        if (!_byBatch.TryGetValue(batch, out var values))
        {
            values = (
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, batch * ObservationSize), [batch, .. ObservationShape])],
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, batch * OutputSize), [batch, .. _outputShape])]);
            _byBatch[batch] = values;
        }
        _session.Run(_runOptions, _inputNames, values.Inputs, _outputNames, values.Outputs);
        return _output.AsSpan(0, batch * OutputSize);
    }

    /// <summary>Releases the ORT session and cached tensors.</summary>
    public void Dispose()
    {
        foreach (OrtValue value in _byBatch.Values.Concat(_bySample.Values).SelectMany(v => v.Inputs.Concat(v.Outputs)))
        {
            value.Dispose();
        }
        _byBatch.Clear();
        _bySample.Clear();
        _session.Dispose();
        _runOptions.Dispose();
    }
}
