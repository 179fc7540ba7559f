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

/// <summary>Gradient labels against finite differences through ONNX Runtime along random directions.</summary>
/// <param name="States">Name of the state set.</param>
/// <param name="Count">States checked (one random action vector v and input direction u each).</param>
/// <param name="Step">Step h along the unit input direction, in observation units.</param>
/// <param name="MaxAbsError">Largest |⟨g_v, Δx⟩ − Δf| / |Δ|.</param>
/// <param name="MaxRelError">Largest error relative to the largest |FD| of the set (normwise).</param>
/// <param name="MaxErrorOverTolerance">Largest error divided by its per-state tolerance (≤ 1 passes).</param>
/// <param name="Kinked">States whose central-difference segment crosses a kink (a ReLU or other piecewise operator changes piece).</param>
/// <param name="OneSided">Kinked states checked with one-sided differences on the side without a kink.</param>
/// <param name="Unresolved">Kinked states that neither one-sided differences nor the integral check could judge: reported,
/// not compared.</param>
/// <param name="Jitter">On networks with kinks, the distance of the checked points from the given states (random
/// direction; 0 for smooth networks, checked at the states themselves).</param>
/// <param name="Integrated">Kinked states with kinks on both sides at every step (typical of large ReLU CNNs, whose
/// thousands of units put a kink within any step) checked by integrating the exact labels along the central segment.</param>
public sealed record GradientAgreement(string States, int Count, double Step, double MaxAbsError, double MaxRelError, double MaxErrorOverTolerance,
    int Kinked = 0, int OneSided = 0, int Unresolved = 0, double Jitter = 0, int Integrated = 0)
{
    /// <summary>True when every compared state is within its tolerance and at least half the states were compared.</summary>
    public bool Passed => MaxErrorOverTolerance <= 1 && 2 * Unresolved <= Count;
}

/// <summary>Whether the policy output looks like what the card (or the inferred kind) says it is.</summary>
/// <param name="States">Name of the state set.</param>
/// <param name="Kind">The output kind in effect, in the card's spelling (e.g. <c>logits</c>).</param>
/// <param name="FinalOp">Operator computing the policy output (e.g. <c>Softmax</c>), null when it is an input or constant.</param>
/// <param name="Problem">Why the kind is wrong; null when it fits.</param>
/// <param name="Fix">
/// The kind(s) to set config key <see cref="TeacherCheck.OutputKindKey"/> to (e.g. <c>probabilities</c>, <c>logits or
/// q_values</c>); null when it fits.
/// </param>
public sealed record OutputKindAgreement(string States, string Kind, string? FinalOp, string? Problem, string? Fix)
{
    /// <summary>True when the outputs fit the kind.</summary>
    public bool Passed => Problem is null;
}

/// <summary>
/// Checks a teacher's two paths against each other: logits of ONNX Runtime vs the rebuilt TorchSharp graph, and exact
/// gradient labels (VJPs of the log-policy) vs central finite differences of the ONNX Runtime log-policy.
/// </summary>
public static class TeacherCheck
{
    /// <summary>Relative (per state, max-norm) tolerance between ORT and the rebuilt graph: float32 sums in another order.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>
    /// Compares logits of both paths on <paramref name="states"/> (count × observation size, environment range); a
    /// recurrent teacher from <paramref name="state"/> (count × state size, e.g. <see cref="CarriedStates"/>; null: zero).
    /// </summary>
    public static OutputAgreement CompareOutputs(OnnxTeacher teacher, TeacherActor actor, float[] states, string name, float[]? state = null)
    {
        int size = ObservationSize(teacher), count = states.Length / size, a = teacher.Actions;
        double maxAbs = 0, maxRel = 0;
        for (int start = 0; start < count; start += actor.MaxBatch)
        {
            int batch = Math.Min(actor.MaxBatch, count - start);
            float[]? from = Slice(state, teacher, start, batch);
            float[] ort = Ort(actor, states.AsSpan(start * size, batch * size).ToArray(), batch, from).ToArray();
            float[] rebuilt = RebuiltLogits(teacher, states.AsSpan(start * size, batch * size), batch, from);
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

    /// <summary>Config key (of the model card) that <see cref="OutputKindAgreement.Fix"/> is a value of.</summary>
    public const string OutputKindKey = "output_kind";

    /// <summary>Largest difference from 1 of a row sum (or from 0 of a row's log-sum-exp) taken for a normalised row.</summary>
    public const double NormalisationTolerance = 1e-3;

    /// <summary>
    /// Checks the output kind in effect against the node computing the policy output and against the outputs on
    /// <paramref name="states"/>: probabilities must be rows ≥ 0 summing to 1, log-probabilities rows whose
    /// log-sum-exp is 0, and logits or Q-values must not be such probability rows (a Softmax head read as logits
    /// gives a wrong log-policy that both paths agree on).
    /// </summary>
    public static OutputKindAgreement CheckOutputKind(OnnxTeacher teacher, float[] states, string name)
    {
        string? finalOp = teacher.Graph.ProducerOf(teacher.Signature.Output.Name);
        PolicyOutputKind kind = teacher.OutputKind;
        string spelled = ModelCard.Spelling(kind);
        float[] outputs;
        using (var scope = NewDisposeScope())
        using (var mode = no_grad())
        {
            Tensor x = tensor(states, [states.Length / ObservationSize(teacher), .. teacher.ObservationShape]).to(teacher.Device);
            outputs = teacher.PolicyOutput(x).to(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        int a = teacher.Actions;
        var rows = Enumerable.Range(0, outputs.Length / a).Select(b => outputs.AsSpan(b * a, a).ToArray()).ToArray();
        bool probabilityRows = rows.All(r => r.All(p => p >= 0) && Math.Abs(r.Sum(p => (double)p) - 1) <= NormalisationTolerance);
        bool logProbabilityRows = rows.All(r => Math.Abs(LogSumExp(r)) <= NormalisationTolerance);
        const string logitsOrQ = "logits or q_values";
        (string Problem, string Fix)? wrong = kind switch
        {
            PolicyOutputKind.Probabilities when finalOp == "LogSoftmax" => ("the output comes from LogSoftmax but is read as probabilities", "log_probabilities"),
            PolicyOutputKind.Probabilities when !probabilityRows => ("the outputs are read as probabilities but not every row is ≥ 0 and sums to 1", logitsOrQ),
            PolicyOutputKind.LogProbabilities when finalOp == "Softmax" => ("the output comes from Softmax but is read as log_probabilities", "probabilities"),
            PolicyOutputKind.LogProbabilities when !logProbabilityRows => ("the outputs are read as log_probabilities but their rows' log-sum-exp is not 0", logitsOrQ),
            PolicyOutputKind.Logits or PolicyOutputKind.QValues when finalOp == "Softmax" || (a > 1 && probabilityRows) =>
                ($"the outputs are probabilities (from {finalOp ?? "the graph"}: every row ≥ 0 and sums to 1) but are read as {spelled}", "probabilities"),
            _ => null,
        };
        return new OutputKindAgreement(name, spelled, finalOp, wrong?.Problem, wrong?.Fix);
    }

    static double LogSumExp(float[] row)
    {
        double max = row.Max();
        return max + Math.Log(row.Sum(z => Math.Exp(z - max)));
    }

    /// <summary>
    /// For each state: a random unit action vector v and a random unit input direction u; compares ⟨∂⟨v,ℓ⟩/∂x, Δx⟩/2h
    /// (exact label, rebuilt graph) with (⟨v,ℓ(x+hu)⟩ − ⟨v,ℓ(x−hu)⟩)/2h (ONNX Runtime, float32), where Δx is the
    /// difference of the float32 perturbed inputs actually evaluated. Networks with kinks (ReLU and other piecewise
    /// operators) are checked where finite differences are valid: a state whose segment [x − hu, x + hu] crosses a kink
    /// (its <see cref="ActivationPattern"/> in the rebuilt graph changes) is compared by one-sided differences on a side
    /// without a kink, halving the step up to 12 times; states with kinks on both sides at every step are checked by
    /// integrating the exact label along the central segment (see <see cref="IntegralStrata"/>) and counted as unresolved
    /// when even that is too coarse to judge them. On such networks the states are first moved by <see cref="KinkJitter"/>·h in a random direction, since
    /// grid states sit exactly on the kinks of ReLUs whose inputs are all zero.
    /// </summary>
    /// <remarks>
    /// The step moves each network input by about ε^(1/3) ≈ 4.9e-3 of its range (ε = float32 machine epsilon), balancing
    /// the O(h²) truncation error of central differences against the O(ε/h) float32 rounding error. The tolerance of
    /// each state is taken from the finite difference itself: 4·|FD(h) − FD(h/2)| (an estimate of both errors, Richardson
    /// style) plus a rounding floor 32·ε·(Σ|v_a|·|ℓ_a|)/|Δ| plus 1e-3·|FD|. One-sided differences use the same form with
    /// their own step (their O(h) truncation error is ≈ 2·|FD(h) − FD(h/2)|).
    /// </remarks>
    public static GradientAgreement CompareGradients(OnnxTeacher teacher, TeacherActor actor, float[] states, string name, long seed, float[]? state = null)
    {
        int size = ObservationSize(teacher), count = states.Length / size, a = teacher.Actions;
        double h = Math.Cbrt(Eps32) * Math.Sqrt(size) / teacher.Card.Input.Scale;
        bool kinks = ActivationPattern.HasKinks(teacher);
        using var generator = new Generator((ulong)seed);
        using var directionGenerator = new Generator((ulong)seed + 1);
        double maxAbs = 0, maxFd = 0, maxRatio = 0;
        int kinked = 0, oneSided = 0, unresolved = 0, integrated = 0;
        using var integralGenerator = new Generator((ulong)seed + 2);
        for (int start = 0; start < count; start += actor.MaxBatch)
        {
            int batch = Math.Min(actor.MaxBatch, count - start);
            using var scope = NewDisposeScope();
            float[] x = states.AsSpan(start * size, batch * size).ToArray();
            if (kinks)
            {
                // Grid states put ReLUs whose inputs are all zero exactly on their kink, where no derivative exists and
                // none can be checked: check at a point a small random distance away instead.
                double[] offset = RandomDirections.UnitVectors(batch, 1, teacher.ObservationShape, directionGenerator, ScalarType.Float64, CPU).data<double>().ToArray();
                x = Shifted(x, offset, h * KinkJitter);
            }
            Tensor xt = tensor(x, [batch, .. teacher.ObservationShape]).to(teacher.Device);
            float[]? from = Slice(state, teacher, start, batch);
            Tensor? fromTensor = from is null ? null : tensor(from, [batch, teacher.StateSize]).to(teacher.Device);
            using TeacherLabels labels = Labeler.Label(teacher, xt, LabelMode.Vjp(1), generator, start, fromTensor);
            double[] g = labels.GradLabels!.to(ScalarType.Float64).cpu().data<double>().ToArray();
            double[] v = labels.Projections!.to(ScalarType.Float64).cpu().data<double>().ToArray();
            double[] u = RandomDirections.UnitVectors(batch, 1, teacher.ObservationShape, directionGenerator, ScalarType.Float64, CPU).data<double>().ToArray();
            float[] plus = Shifted(x, u, h), minus = Shifted(x, u, -h), plusHalf = Shifted(x, u, h / 2), minusHalf = Shifted(x, u, -h / 2);
            double[] fdH = Central(actor, plus, minus, batch, h, v, a, teacher.Temperature, out double[] magnitude, from);
            double[] fdH2 = Central(actor, plusHalf, minusHalf, batch, h / 2, v, a, teacher.Temperature, out _, from);
            ActivationPattern? pattern = kinks ? ActivationPattern.Of(teacher, x, batch, from) : null;
            bool[] smooth = pattern is null ? Enumerable.Repeat(true, batch).ToArray()
                : And([.. new[] { plus, minus, plusHalf, minusHalf }.Select(p => pattern.SameAs(ActivationPattern.Of(teacher, p, batch, from)))]);
            for (int b = 0; b < batch; b++)
            {
                double err, tol, fd;
                if (smooth[b])
                {
                    double analytic = 0;
                    for (int i = b * size; i < (b + 1) * size; i++) analytic += g[i] * ((double)plus[i] - minus[i]);
                    analytic /= 2 * h;
                    fd = fdH[b];
                    err = Math.Abs(analytic - fd);
                    tol = 4 * Math.Abs(fd - fdH2[b]) + 32 * Eps32 * magnitude[b] / (2 * h) + 1e-3 * Math.Abs(fd);
                }
                else
                {
                    kinked++;
                    var result = OneSided(teacher, actor, pattern!, b, x.AsSpan(b * size, size), u.AsSpan(b * size, size), g.AsSpan(b * size, size),
                        v.AsSpan(b * a, a).ToArray(), h, Slice(from, teacher, b, 1));
                    if (result is null)
                    {
                        result = Integral(teacher, actor, x.AsSpan(b * size, size), u.AsSpan(b * size, size), v.AsSpan(b * a, a), h, integralGenerator,
                            Slice(from, teacher, b, 1));
                        if (result is null)
                        {
                            unresolved++;
                            continue;
                        }
                        integrated++;
                    }
                    else oneSided++;
                    (err, tol, fd) = result.Value;
                }
                maxAbs = Math.Max(maxAbs, err);
                maxFd = Math.Max(maxFd, Math.Abs(fd));
                maxRatio = Math.Max(maxRatio, double.IsNaN(err) ? double.PositiveInfinity : err / Math.Max(tol, 1e-300));
            }
        }
        return new GradientAgreement(name, count, h, maxAbs, maxAbs / Math.Max(maxFd, 1e-300), maxRatio, kinked, oneSided, unresolved,
            kinks ? h * KinkJitter : 0, integrated);
    }

    /// <summary>Strata of the integral check (two random points in each); 4× as many when that resolves too little.</summary>
    public const int IntegralStrata = 16;

    /// <summary>Standard errors of the integral estimate allowed in the integral check.</summary>
    public const double IntegralSigmas = 5;

    /// <summary>Largest allowance, relative to the difference checked, at which the integral check judges a state.</summary>
    public const double IntegralResolution = 0.1;

    /// <summary>Distance, in steps h, of the integral check's segment from the checked point (random direction).</summary>
    public const double IntegralJitter = 4;

    // The integral check, valid across any number of kinks: f is Lipschitz along a segment x₋ + s·Δx (s ∈ [0, 1], Δx =
    // x₊ − x₋ as evaluated), so f(x₊) − f(x₋) = ∫₀¹ q(s) ds with q(s) = ⟨∇f(x₋ + s·Δx), Δx⟩, whatever kinks lie between.
    // The integral is estimated from the exact labels (the rebuilt graph, with the state's action vector v) by stratified
    // sampling: two uniform points in each of IntegralStrata equal strata (then 4× as many, if the first estimate is too coarse); the mean of q over them is unbiased, and
    // Σ_j (q_j1 − q_j2)² / (4·strata²) estimates its variance without bias (Owen, Monte Carlo theory, ch. 10). On a ReLU
    // CNN q steps at thousands of kinks along the segment; a worst-case bound (total variation × cell width) then exceeds
    // the difference itself, while the random-sign errors of the steps average out, which the variance measures. The
    // ONNX Runtime central difference must lie within IntegralSigmas standard errors plus the rounding floor of the central
    // check; a wrong gradient is a systematic error that no resampling hides. Null when the allowance exceeds
    // IntegralResolution of the difference (too little signal to judge).
    // The segment (direction u, length 2h) is centred IntegralJitter·h from x in a random direction: near a grid state
    // every ReLU whose inputs are all zero (bias 0, a black patch) has its kink at that state, and a segment passing it at
    // distance J crosses each such kink within ±h with probability ≈ (2/π)·atan(h/J) (the crossing point is a ratio of two
    // Gaussians): 92% at the central check's J = h/8, 16% at 4h.
    static (double Error, double Tolerance, double Fd)? Integral(OnnxTeacher teacher, TeacherActor actor, ReadOnlySpan<float> x, ReadOnlySpan<double> u,
        ReadOnlySpan<double> v, double h, Generator generator, float[]? state)
    {
        double[] w = RandomDirections.UnitVectors(1, 1, teacher.ObservationShape, generator, ScalarType.Float64, CPU).data<double>().ToArray();
        float[] centre = Shifted(x.ToArray(), w, h * IntegralJitter);
        double[] direction = u.ToArray(), vb = v.ToArray();
        float[] plus = Shifted(centre, direction, h), minus = Shifted(centre, direction, -h);
        double fd = Central(actor, plus, minus, 1, h, vb, vb.Length, teacher.Temperature, out double[] magnitudes, state)[0];
        for (int strata = IntegralStrata; strata <= 4 * IntegralStrata; strata *= 4)
        {
            var (analytic, allowance) = StratifiedIntegral(teacher, plus, minus, vb, strata, generator, state);
            analytic /= 2 * h;
            allowance /= 2 * h;
            if (!(allowance <= IntegralResolution * Math.Max(Math.Abs(fd), Math.Abs(analytic)))) continue;
            double tol = allowance + 32 * Eps32 * magnitudes[0] / (2 * h) + 1e-3 * Math.Abs(fd);
            return (Math.Abs(analytic - fd), tol, fd);
        }
        return null;
    }

    // ∫₀¹ ⟨∇f(x₋ + s·Δx), Δx⟩ ds by stratified sampling over `strata` strata, and IntegralSigmas standard errors of it.
    static (double Integral, double Allowance) StratifiedIntegral(OnnxTeacher teacher, float[] plus, float[] minus, double[] vb, int strata, Generator generator, float[]? state)
    {
        int n = plus.Length, a = vb.Length, points = 2 * strata;
        double[] offsets = rand([points], ScalarType.Float64, generator: generator).data<double>().ToArray();
        var delta = new double[n];
        for (int i = 0; i < n; i++) delta[i] = (double)plus[i] - minus[i];
        var along = new float[points * n];
        for (int j = 0; j < points; j++)
        {
            double s = (j / 2 + offsets[j]) / strata;
            for (int i = 0; i < n; i++) along[j * n + i] = (float)(minus[i] + s * delta[i]);
        }
        var vs = new float[points * a];
        for (int j = 0; j < points; j++)
            for (int k = 0; k < a; k++) vs[j * a + k] = (float)vb[k];
        double[] g;
        using (var scope = NewDisposeScope())
        {
            Tensor xt = tensor(along, [points, .. teacher.ObservationShape]).to(teacher.Device);
            Tensor vt = tensor(vs, [points, 1, a]).to(teacher.Device);
            Tensor? st = state is null ? null : tensor(state, [1, teacher.StateSize]).to(teacher.Device).expand(points, -1).contiguous();
            using TeacherLabels labels = Labeler.LabelWith(teacher, xt, LabelMode.Vjp(1), vt, 0, st);
            g = labels.GradLabels!.to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        var q = new double[points];
        for (int j = 0; j < points; j++)
            for (int i = 0; i < n; i++) q[j] += g[j * n + i] * delta[i];
        double variance = 0;
        for (int j = 0; j < strata; j++) variance += (q[2 * j] - q[2 * j + 1]) * (q[2 * j] - q[2 * j + 1]);
        variance /= 4.0 * strata * strata;
        return (q.Average(), IntegralSigmas * Math.Sqrt(variance));
    }

    const double Eps32 = 1.1920928955078125e-7;

    /// <summary>Distance, in steps h, of the checked points from the given states on networks with kinks.</summary>
    public const double KinkJitter = 0.125;

    // One-sided differences (f(x + s) − f(x))/|s| and the same at s/2, with the longest step h/2^k (k ≤ 12) on either side
    // whose points x + s and x + s/2 lie on the piece of x (within 2× of the distance to the nearest kink); null when
    // every step crosses a kink on both sides.
    static (double Error, double Tolerance, double Fd)? OneSided(OnnxTeacher teacher, TeacherActor actor, ActivationPattern pattern, int b,
        ReadOnlySpan<float> x, ReadOnlySpan<double> u, ReadOnlySpan<double> g, double[] v, double h, float[]? state)
    {
        float[]? pair = state is null ? null : [.. state, .. state];
        float[] x0 = x.ToArray();
        double[] direction = u.ToArray();
        int a = teacher.Actions;
        double tau = teacher.Temperature;
        for (double length = h; length >= h / 4096; length /= 2)
        {
            foreach (int side in new[] { 1, -1 })
            {
                float[] full = Shifted(x0, direction, side * length), half = Shifted(x0, direction, side * length / 2);
                bool[] same = pattern.SameAs(ActivationPattern.Of(teacher, [.. full, .. half], 2, pair), [b, b]);
                if (!same[0] || !same[1]) continue;
                double f0 = Projected(Ort(actor, x0, 1, state), 1, a, v, tau, out _)[0];
                double f1 = Projected(Ort(actor, full, 1, state), 1, a, v, tau, out double[] magnitude)[0];
                double f2 = Projected(Ort(actor, half, 1, state), 1, a, v, tau, out _)[0];
                double fd = (f1 - f0) / length, fdHalf = (f2 - f0) / (length / 2);
                double analytic = 0;
                for (int i = 0; i < x0.Length; i++) analytic += g[i] * ((double)full[i] - x0[i]);
                analytic /= length;
                double err = Math.Abs(analytic - fd);
                double tol = 4 * Math.Abs(fd - fdHalf) + 32 * Eps32 * magnitude[0] / length + 1e-3 * Math.Abs(fd);
                return (err, tol, fd);
            }
        }
        return null;
    }

    static float[] Shifted(float[] x, double[] u, double step)
    {
        var shifted = new float[x.Length];
        for (int i = 0; i < x.Length; i++) shifted[i] = (float)(x[i] + step * u[i]);
        return shifted;
    }

    static bool[] And(bool[][] masks) => [.. Enumerable.Range(0, masks[0].Length).Select(b => masks.All(m => m[b]))];

    static double[] Central(TeacherActor actor, float[] plus, float[] minus, int batch, double h, double[] v, int a, double tau, out double[] magnitude, float[]? state)
    {
        double[] fPlus = Projected(Ort(actor, plus, batch, state), batch, a, v, tau, out magnitude);
        double[] fMinus = Projected(Ort(actor, minus, batch, state), batch, a, v, tau, out _);
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

    static float[] RebuiltLogits(OnnxTeacher teacher, ReadOnlySpan<float> states, int batch, float[]? state)
    {
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        Tensor x = tensor(states.ToArray(), [batch, .. teacher.ObservationShape]).to(teacher.Device);
        Tensor? from = state is null ? null : tensor(state, [batch, teacher.StateSize]).to(teacher.Device);
        return teacher.Logits(x, null, from).to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// The state a recurrent teacher holds before each of <paramref name="states"/> (count × observation size) when it
    /// reads them in order from the zero state: count × state size floats, the states of a rollout for
    /// <see cref="CompareOutputs"/> and <see cref="CompareGradients"/> to check from (labels are checked at the zero state
    /// otherwise, where a state-dependent bug can hide).
    /// </summary>
    public static float[] CarriedStates(OnnxTeacher teacher, float[] states)
    {
        int size = ObservationSize(teacher), count = states.Length / size, s = teacher.StateSize;
        var result = new float[count * s];
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        Tensor state = zeros([1, s], ScalarType.Float32, teacher.Device);
        for (int i = 0; i < count; i++)
        {
            state.cpu().data<float>().CopyTo(result.AsSpan(i * s, s));
            if (i + 1 < count) state = teacher.Step(tensor(states.AsSpan(i * size, size).ToArray(), [1, .. teacher.ObservationShape]).to(teacher.Device), state).NextState;
        }
        return result;
    }

    static float[]? Slice(float[]? state, OnnxTeacher teacher, int start, int count) =>
        state?.AsSpan(start * teacher.StateSize, count * teacher.StateSize).ToArray();

    // ONNX Runtime's logits, a recurrent teacher's from the given states (count × state size).
    static ReadOnlySpan<float> Ort(TeacherActor actor, float[] observations, int batch, float[]? state) =>
        state is null ? actor.Logits(observations, batch) : actor.Logits(observations, batch, state, new float[state.Length]);

    static int ObservationSize(OnnxTeacher teacher) => (int)teacher.ObservationShape.Aggregate(1L, (p, d) => p * d);
}
