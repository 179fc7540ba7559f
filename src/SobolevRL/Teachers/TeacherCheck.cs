using SobolevRL.Sobolev;
using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>Agreement of ONNX Runtime and the rebuilt graph on one set of states.</summary>
/// <param name="States">Name of the state set (e.g. <c>random</c>, <c>env MinAtar/Breakout-v1</c>).</param>
/// <param name="Count">Number of states.</param>
/// <param name="MaxAbsDiff">Largest |z_ort − z_rebuilt| over all logits.</param>
/// <param name="MaxRelDiff">Largest per-state max|z_ort − z_rebuilt| / max|z_ort|.</param>
/// <param name="Tolerance">Relative tolerance the check applies.</param>
public sealed record OutputAgreement(string States, int Count, double MaxAbsDiff, double MaxRelDiff, double Tolerance)
{
    /// <summary>True when <see cref="MaxRelDiff"/> is within <see cref="Tolerance"/>.</summary>
    public bool Passed => MaxRelDiff <= Tolerance;
}

/// <summary>Gradient labels against central finite differences through ONNX Runtime along random directions.</summary>
/// <param name="States">Name of the state set.</param>
/// <param name="Count">States checked (one random action vector v and input direction u each).</param>
/// <param name="Step">Step h along the unit input direction, in observation units.</param>
/// <param name="MaxAbsError">Largest |⟨g_v, Δx⟩ − Δf| / 2h.</param>
/// <param name="MaxRelError">Largest error relative to the largest |FD| of the set (normwise).</param>
/// <param name="MaxErrorOverTolerance">Largest error divided by its per-state tolerance (≤ 1 passes).</param>
public sealed record GradientAgreement(string States, int Count, double Step, double MaxAbsError, double MaxRelError, double MaxErrorOverTolerance)
{
    /// <summary>True when every state is within its tolerance.</summary>
    public bool Passed => MaxErrorOverTolerance <= 1;
}

/// <summary>
/// Checks a teacher's two paths against each other: logits of ONNX Runtime vs the rebuilt TorchSharp graph, and exact
/// gradient labels (VJPs of the log-policy) vs central finite differences of the ONNX Runtime log-policy.
/// </summary>
public static class TeacherCheck
{
    /// <summary>Relative (per state, max-norm) tolerance between ORT and the rebuilt graph: float32 sums in another order.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>Compares logits of both paths on <paramref name="states"/> (count × observation size, environment range).</summary>
    public static OutputAgreement CompareOutputs(OnnxTeacher teacher, TeacherActor actor, float[] states, string name)
    {
        int size = ObservationSize(teacher), count = states.Length / size, a = teacher.Actions;
        double maxAbs = 0, maxRel = 0;
        for (int start = 0; start < count; start += actor.MaxBatch)
        {
            int batch = Math.Min(actor.MaxBatch, count - start);
            float[] ort = actor.Logits(states.AsSpan(start * size, batch * size), batch).ToArray();
            float[] rebuilt = RebuiltLogits(teacher, states.AsSpan(start * size, batch * size), batch);
            for (int b = 0; b < batch; b++)
            {
                double diff = 0, scale = 0;
                for (int j = b * a; j < (b + 1) * a; j++)
                {
                    diff = Math.Max(diff, Math.Abs(ort[j] - rebuilt[j]));
                    scale = Math.Max(scale, Math.Abs(ort[j]));
                }
                maxAbs = Math.Max(maxAbs, diff);
                maxRel = Math.Max(maxRel, diff / Math.Max(scale, 1e-30));
                if (double.IsNaN(diff)) maxRel = double.NaN;
            }
        }
        return new OutputAgreement(name, count, maxAbs, maxRel, OutputTolerance);
    }

    /// <summary>
    /// For each state: a random unit action vector v and a random unit input direction u; compares ⟨∂⟨v,ℓ⟩/∂x, Δx⟩/2h
    /// (exact label, rebuilt graph) with (⟨v,ℓ(x+hu)⟩ − ⟨v,ℓ(x−hu)⟩)/2h (ONNX Runtime, float32), where Δx is the
    /// difference of the float32 perturbed inputs actually evaluated.
    /// </summary>
    /// <remarks>
    /// The step moves each network input by about ε^(1/3) ≈ 4.9e-3 of its range (ε = float32 machine epsilon), balancing
    /// the O(h²) truncation error of central differences against the O(ε/h) float32 rounding error. The tolerance of
    /// each state is taken from the finite difference itself: 4·|FD(h) − FD(h/2)| (an estimate of both errors, Richardson
    /// style) plus a rounding floor 32·ε·(Σ|v_a|·|ℓ_a|)/2h plus 1e-3·|FD|.
    /// </remarks>
    public static GradientAgreement CompareGradients(OnnxTeacher teacher, TeacherActor actor, float[] states, string name, long seed)
    {
        int size = ObservationSize(teacher), count = states.Length / size, a = teacher.Actions;
        const double eps32 = 1.1920928955078125e-7;
        double h = Math.Cbrt(eps32) * Math.Sqrt(size) / teacher.Card.Input.Scale;
        using var generator = new Generator((ulong)seed);
        using var directionGenerator = new Generator((ulong)seed + 1);
        double maxAbs = 0, maxFd = 0, maxRatio = 0;
        for (int start = 0; start < count; start += actor.MaxBatch)
        {
            int batch = Math.Min(actor.MaxBatch, count - start);
            using var scope = NewDisposeScope();
            Tensor x = tensor(states.AsSpan(start * size, batch * size).ToArray(), [batch, .. teacher.ObservationShape]).to(teacher.Device);
            using TeacherLabels labels = Labeler.Label(teacher, x, LabelMode.Vjp(1), generator, start);
            double[] g = labels.Gradients!.to(ScalarType.Float64).cpu().data<double>().ToArray();
            double[] v = labels.Projections!.to(ScalarType.Float64).cpu().data<double>().ToArray();
            double[] u = RandomDirections.UnitVectors(batch, 1, teacher.ObservationShape, directionGenerator, ScalarType.Float64, CPU).data<double>().ToArray();
            double[] fdH = Central(actor, states, start, batch, size, u, h, v, a, teacher.Temperature, out double[] dx, out double[] magnitude);
            double[] fdH2 = Central(actor, states, start, batch, size, u, h / 2, v, a, teacher.Temperature, out _, out _);
            for (int b = 0; b < batch; b++)
            {
                double analytic = 0;
                for (int i = b * size; i < (b + 1) * size; i++) analytic += g[i] * dx[i];
                analytic /= 2 * h;
                double err = Math.Abs(analytic - fdH[b]);
                double tol = 4 * Math.Abs(fdH[b] - fdH2[b]) + 32 * eps32 * magnitude[b] / (2 * h) + 1e-3 * Math.Abs(fdH[b]);
                maxAbs = Math.Max(maxAbs, err);
                maxFd = Math.Max(maxFd, Math.Abs(fdH[b]));
                maxRatio = Math.Max(maxRatio, double.IsNaN(err) ? double.PositiveInfinity : err / Math.Max(tol, 1e-300));
            }
        }
        return new GradientAgreement(name, count, h, maxAbs, maxAbs / Math.Max(maxFd, 1e-300), maxRatio);
    }

    static double[] Central(TeacherActor actor, float[] states, int start, int batch, int size, double[] u, double h, double[] v, int a, double tau,
        out double[] dx, out double[] magnitude)
    {
        var plus = new float[batch * size];
        var minus = new float[batch * size];
        dx = new double[batch * size];
        for (int i = 0; i < plus.Length; i++)
        {
            double x = states[start * size + i];
            plus[i] = (float)(x + h * u[i]);
            minus[i] = (float)(x - h * u[i]);
            dx[i] = (double)plus[i] - minus[i];
        }
        double[] fPlus = Projected(actor.Logits(plus, batch), batch, a, v, tau, out magnitude);
        double[] fMinus = Projected(actor.Logits(minus, batch), batch, a, v, tau, out _);
        var fd = new double[batch];
        for (int b = 0; b < batch; b++) fd[b] = (fPlus[b] - fMinus[b]) / (2 * h);
        return fd;
    }

    // ⟨v_b, log softmax(z_b/τ)⟩ in double, and Σ|v_a|·|ℓ_a| as the magnitude float32 rounding scales with.
    static double[] Projected(ReadOnlySpan<float> logits, int batch, int a, double[] v, double tau, out double[] magnitude)
    {
        var f = new double[batch];
        magnitude = new double[batch];
        for (int b = 0; b < batch; b++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < a; j++) max = Math.Max(max, logits[b * a + j] / tau);
            double sum = 0;
            for (int j = 0; j < a; j++) sum += Math.Exp(logits[b * a + j] / tau - max);
            double lse = max + Math.Log(sum);
            for (int j = 0; j < a; j++)
            {
                double l = logits[b * a + j] / tau - lse;
                f[b] += v[b * a + j] * l;
                magnitude[b] += Math.Abs(v[b * a + j]) * (Math.Abs(l) + Math.Abs(logits[b * a + j] / tau));
            }
        }
        return f;
    }

    static float[] RebuiltLogits(OnnxTeacher teacher, ReadOnlySpan<float> states, int batch)
    {
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        Tensor x = tensor(states.ToArray(), [batch, .. teacher.ObservationShape]).to(teacher.Device);
        return teacher.Logits(x).to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    static int ObservationSize(OnnxTeacher teacher) => (int)teacher.ObservationShape.Aggregate(1L, (p, d) => p * d);
}
