using SobolevRL.IO;
using SobolevRL.Runs;
using static TorchSharp.torch;
using SobolevRL.Policies;

namespace SobolevRL.Teachers;

/// <summary>Labels an array of stored states (.npy, uint8 or float32, N × observation shape) in batches, as .npz-ready arrays.</summary>
public static class StateLabelling
{
    /// <summary>
    /// Labels every state of <paramref name="states"/>. Returns float32 arrays <c>logits</c> (N×A), <c>logp</c> (N×A) and
    /// <c>jac</c> (N×A×X, <c>full</c>) or <c>vjp</c> (N×K×X) with <c>v</c> (N×K×A, <c>vjp:K</c>); v is drawn from a
    /// generator seeded with <paramref name="seed"/>, so the same seed gives the same vectors.
    /// </summary>
    public static Dictionary<string, NpyArray> Label(IPolicy policy, NpyArray states, LabelMode mode, long seed, int batchSize,
        string source, IProgress<ProgressInfo>? progress = null)
    {
        if (batchSize < 1) throw new UserErrorException($"batch size {batchSize} must be >= 1");
        if (states.Dtype is not (NpyDtype.UInt8 or NpyDtype.Float32))
            throw new UserErrorException($"states '{source}' are {states.Dtype}; give uint8 or float32 states");
        long[] obs = policy.ObservationShape;
        if (states.Shape.Length != obs.Length + 1 || !states.Shape.Skip(1).SequenceEqual(obs))
            throw new UserErrorException($"states '{source}' have shape [{string.Join(", ", states.Shape)}] but the teacher takes [N, {string.Join(", ", obs)}]");
        int n = checked((int)states.Shape[0]), a = policy.Actions;
        int size = (int)obs.Aggregate(1L, (p, d) => p * d);
        int k = mode.Kind switch { LabelKind.Full => a, LabelKind.Vjp => mode.Projections, _ => 0 };
        long gradientCount = (long)n * k * size;
        if (gradientCount > Array.MaxLength)
            throw new UserErrorException($"labels of {n} states need {gradientCount} gradient values, more than one array holds; label fewer states per file or use vjp:K");
        var logits = new float[n * a];
        var logp = new float[n * a];
        var gradients = new float[gradientCount];
        var projections = new float[mode.Kind == LabelKind.Vjp ? n * k * a : 0];
        using var generator = new Generator((ulong)seed);
        // Reported before the first batch so that progress rates are measured from the start of the work.
        progress?.Report(new ProgressInfo("label", 0, n, "states"));
        for (int start = 0; start < n; start += batchSize)
        {
            int batch = Math.Min(batchSize, n - start);
            using var scope = NewDisposeScope();
            Tensor x = Batch(states, start, batch, size, obs).to(policy.Device);
            using TeacherLabels labels = Labeler.Label(policy, x, mode, generator, start);
            Copy(labels.Logits, logits, start * a);
            Copy(labels.LogPolicy, logp, start * a);
            if (labels.GradLabels is { } g) Copy(g, gradients, (long)start * k * size);
            if (labels.Projections is { } v) Copy(v, projections, start * k * a);
            progress?.Report(new ProgressInfo("label", start + batch, n, "states"));
        }
        var result = new Dictionary<string, NpyArray>
        {
            ["logits"] = NpyArray.FromFloats(logits, n, a),
            ["logp"] = NpyArray.FromFloats(logp, n, a),
        };
        if (mode.Kind == LabelKind.Full) result["jac"] = NpyArray.FromFloats(gradients, [n, a, .. obs]);
        if (mode.Kind == LabelKind.Vjp)
        {
            result["vjp"] = NpyArray.FromFloats(gradients, [n, k, .. obs]);
            result["v"] = NpyArray.FromFloats(projections, n, k, a);
        }
        return result;
    }

    static Tensor Batch(NpyArray states, int start, int batch, int size, long[] obs)
    {
        long[] shape = [batch, .. obs];
        if (states.Dtype == NpyDtype.Float32) return tensor(states.As<float>().Slice(start * size, batch * size).ToArray(), shape);
        return tensor(states.As<byte>().Slice(start * size, batch * size).ToArray(), shape).to(ScalarType.Float32);
    }

    static void Copy(Tensor t, float[] target, long offset)
    {
        using Tensor cpu = t.to(ScalarType.Float32).cpu().contiguous();
        cpu.data<float>().ToArray().CopyTo(target.AsSpan((int)offset));
    }
}
