using Microsoft.ML.OnnxRuntime;
using SobolevRL.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>
/// Acts with an <see cref="OnnxTeacher"/> through ONNX Runtime (<see cref="OrtPolicy"/>): observations in the
/// environment's CHW layout and range are scaled and laid out as the card says, outputs turned into logits.
/// Buffers are allocated once; results are valid until the next call. The one ONNX Runtime actor of the project: teachers,
/// students and any policy file act through it (<see cref="Open"/> when only acting is needed). A recurrent teacher
/// acts from a given state with the overloads that take one (and return the next), or from its own state with
/// <see cref="Act"/>, which carries it from call to call until <see cref="ResetState"/> (call it at every episode's start).
/// </summary>
public sealed class TeacherActor : IDisposable
{
    readonly OrtPolicy _ort;
    readonly ModelCard _card;
    readonly PolicyOutputKind _kind;
    readonly float[] _input;
    readonly float[] _logits;
    readonly int _size;
    readonly long[] _chw;
    readonly int[] _single = new int[1];
    readonly float[] _actState;

    internal TeacherActor(OnnxTeacher teacher, int maxBatch, SessionOptions? options)
    {
        try
        {
            _ort = new OrtPolicy(teacher.Path, maxBatch, teacher.Signature.Output.Name, options, teacher.Signature.Input.Name,
                teacher.Signature.State.Select(s => new OrtStateSlot(s.Input.Name, s.Output.Name, s.BatchAxis)).ToArray());
        }
        catch (OnnxModelException e)
        {
            throw new UserErrorException(e.Message, e);
        }
        _card = teacher.Card;
        _kind = teacher.OutputKind;
        _chw = teacher.ObservationShape;
        _size = (int)_chw.Aggregate(1L, (a, d) => a * d);
        Actions = teacher.Actions;
        _input = new float[maxBatch * _size];
        _logits = new float[maxBatch * Actions];
        _actState = new float[_ort.StateSize];
    }

    /// <summary>Floats of recurrent state per observation (0 for a feed-forward policy).</summary>
    public int StateSize => _ort.StateSize;

    /// <summary>Zeros the state <see cref="Act"/> carries (the start of an episode); nothing for a feed-forward policy.</summary>
    public void ResetState() => Array.Clear(_actState);

    /// <summary>
    /// Opens the policy <paramref name="path"/> for acting: loads it with its model card exactly as a teacher
    /// (<see cref="TeacherLoader.Load"/>: card defaults, overrides, checks against the graph, clear errors) and keeps only
    /// its ONNX Runtime session, for batches of up to <paramref name="maxBatch"/> observations.
    /// </summary>
    public static TeacherActor Open(string path, int maxBatch = 1, TeacherOverrides? overrides = null)
    {
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU, overrides);
        return teacher.CreateActor(maxBatch);
    }

    /// <summary>The model card in effect (card file or defaults, shape and actions resolved).</summary>
    public ModelCard Card => _card;

    /// <summary>Number of actions.</summary>
    public int Actions { get; }

    /// <summary>Largest batch.</summary>
    public int MaxBatch => _ort.MaxBatch;

    /// <summary>Logits of <paramref name="batch"/> byte observations (CHW, environment range), batch × <see cref="Actions"/> (a recurrent teacher: from the zero state).</summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<byte> observations, int batch)
    {
        Fill(observations, batch);
        return RunFilled(batch);
    }

    /// <summary>Logits of <paramref name="batch"/> float observations (CHW, environment range), batch × <see cref="Actions"/> (a recurrent teacher: from the zero state).</summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<float> observations, int batch)
    {
        Fill(observations, batch);
        return RunFilled(batch);
    }

    /// <summary>
    /// Logits of <paramref name="batch"/> byte observations given a recurrent <paramref name="state"/> (batch ×
    /// <see cref="StateSize"/>, the layout of <see cref="SobolevRL.Policies.IRecurrentPolicy"/>); the state after the step goes into <paramref name="nextState"/>.
    /// </summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<byte> observations, int batch, ReadOnlySpan<float> state, Span<float> nextState)
    {
        Fill(observations, batch);
        return RunFilled(batch, state, nextState);
    }

    /// <summary>As <see cref="Logits(ReadOnlySpan{byte}, int, ReadOnlySpan{float}, Span{float})"/> for float observations.</summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<float> observations, int batch, ReadOnlySpan<float> state, Span<float> nextState)
    {
        Fill(observations, batch);
        return RunFilled(batch, state, nextState);
    }

    void Fill(ReadOnlySpan<byte> observations, int batch)
    {
        Check(observations.Length, batch);
        float scale = (float)_card.Input.Scale;
        if (_card.Input.Layout == InputLayout.Nhwc) ToNhwc(observations, batch, scale);
        else for (int i = 0; i < batch * _size; i++) _input[i] = observations[i] * scale;
    }

    void Fill(ReadOnlySpan<float> observations, int batch)
    {
        Check(observations.Length, batch);
        float scale = (float)_card.Input.Scale;
        if (_card.Input.Layout == InputLayout.Nhwc) ToNhwc(observations, batch, scale);
        else for (int i = 0; i < batch * _size; i++) _input[i] = observations[i] * scale;
    }

    /// <summary>Greedy actions of <paramref name="batch"/> byte observations.</summary>
    public void ActGreedy(ReadOnlySpan<byte> observations, int batch, Span<int> actions) =>
        ActionSelection.Greedy(Logits(observations, batch), Actions, actions);

    /// <summary>The greedy action of one byte observation (a recurrent teacher: from the state it carries, which this call advances).</summary>
    /// <exception cref="NotFiniteNumberException">The policy's logits are not all finite: their arg-max would silently be action 0.</exception>
    public int Act(ReadOnlySpan<byte> observation)
    {
        var logits = StateSize > 0 ? Logits(observation, 1, _actState, _actState) : Logits(observation, 1);
        foreach (float z in logits)
            if (!float.IsFinite(z))
                throw new NotFiniteNumberException($"the policy outputs non-finite logits [{string.Join(", ", logits.ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}], whose arg-max would silently be action 0; check or retrain the policy", z);
        ActionSelection.Greedy(logits, Actions, _single);
        return _single[0];
    }

    void ToNhwc<T>(ReadOnlySpan<T> observations, int batch, float scale) where T : unmanaged
    {
        int c = (int)_chw[0], hw = (int)(_chw[1] * _chw[2]);
        for (int b = 0; b < batch; b++)
        {
            int o = b * _size;
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++)
                    _input[o + p * c + ch] = ToFloat(observations[o + ch * hw + p]) * scale;
        }
    }

    static float ToFloat<T>(T value) where T : unmanaged => value switch
    {
        byte b => b,
        float f => f,
        _ => throw new NotSupportedException(),
    };

    void Check(int length, int batch)
    {
        if (batch < 1 || batch > MaxBatch || length < batch * _size)
            throw new ArgumentException($"expected 1..{MaxBatch} observations of {_size} values; got batch {batch} with {length} values");
    }

    ReadOnlySpan<float> RunFilled(int batch) => ToLogits(_ort.Run(_input.AsSpan(0, batch * _size), batch), batch);

    ReadOnlySpan<float> RunFilled(int batch, ReadOnlySpan<float> state, Span<float> nextState) =>
        ToLogits(_ort.Run(_input.AsSpan(0, batch * _size), batch, state, nextState), batch);

    ReadOnlySpan<float> ToLogits(ReadOnlySpan<float> output, int batch)
    {
        Span<float> logits = _logits.AsSpan(0, batch * Actions);
        output.CopyTo(logits);
        OnnxTeacher.ToLogits(logits, _kind);
        return logits;
    }

    /// <inheritdoc />
    public void Dispose() => _ort.Dispose();
}
