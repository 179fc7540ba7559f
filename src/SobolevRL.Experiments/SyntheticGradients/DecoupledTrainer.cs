using System.Diagnostics;
using SobolevRL.Collection;
using SobolevRL.Hardware;
using SobolevRL.Optimizers;
using SobolevRL.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>Test accuracy and diagnostics at one evaluation step of a run.</summary>
/// <param name="Step">Training steps done.</param>
/// <param name="TestAccuracy">Fraction of the scored images (test, or validation when tuning) classified right.</param>
/// <param name="TrainLoss">Mean training cross-entropy over the steps since the previous point.</param>
/// <param name="GradientCosines">Per cut from the lowest up, the mean per-example cosine between the synthetic and the
/// true ∂L/∂h since the previous point (empty for backprop).</param>
public sealed record CurvePoint(long Step, double TestAccuracy, double TrainLoss, double[] GradientCosines);

/// <summary>The hyper-parameters a kind of cut is tuned over.</summary>
/// <param name="LearningRate">Adam learning rate of every module of the classifier.</param>
/// <param name="PredictorLearningRate">Adam learning rate of the synthetic-gradient modules or critics.</param>
/// <param name="SobolevWeight">λ of the Sobolev critic (unused by the other kinds).</param>
public sealed record Hyperparameters(double LearningRate, double PredictorLearningRate, double SobolevWeight)
{
    /// <summary>The values of a config.</summary>
    public static Hyperparameters Of(SyntheticGradientOptions o) => new(o.LearningRate, o.PredictorLearningRate, o.SobolevWeight);
}

/// <summary>One training run of the experiment.</summary>
/// <param name="Split">Cut positions joined by '+' ("2": two modules; "1+2": three).</param>
/// <param name="Kind">Kind of cut (<see cref="CutKinds"/>), the same at every cut.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Settings">Hyper-parameters used.</param>
/// <param name="Curve">Evaluation points, the last at the final step.</param>
/// <param name="CpuSecondsPerStep">CPU time of the training thread per step, evaluation and diagnostics excluded (libtorch on that thread: --threads 1).</param>
/// <param name="MillisecondsPerStep">Wall-clock training time per step, evaluation and diagnostics excluded.</param>
public sealed record SyntheticGradientRun(string Split, string Kind, long Seed, Hyperparameters Settings, IReadOnlyList<CurvePoint> Curve,
    double CpuSecondsPerStep, double MillisecondsPerStep)
{
    /// <summary>Accuracy after the last step.</summary>
    public double FinalAccuracy => Curve[^1].TestAccuracy;
}

/// <summary>
/// Trains the classifier split into a chain of modules at one or more cuts, with decoupled updates simulated on one
/// thread. Step t on batch (x_t, y_t):
/// <list type="number">
/// <item>every module below the top computes its activation from the one below (received as data, detached):
/// h¹_t = f₁(x_t), h²_t = f₂(h¹_t), …;</item>
/// <item>(not backprop) the predictor at each cut, trained only on batches up to t − 1 − delay, gives the synthetic
/// ∂L/∂h at its cut, and the module below the cut takes its Adam step with it at once, waiting for no module above;</item>
/// <item>the top module computes the per-example losses L_i and takes its own step with its exact gradient; the true
/// ∂L_i/∂h_i at the highest cut come out of the same backward pass;</item>
/// <item>(backprop) the true gradient flows down the whole chain and every module steps with it: the upper bound;</item>
/// <item>(not backprop) each cut queues (h_t, y_t, L_t, target_t) to reach its predictor <c>delay</c> steps later;
/// the target is the true ∂L/∂h at the highest cut, and below it DNI's bootstrapped one: the synthetic gradient of the
/// cut above, backpropagated through the module between the two cuts (a by-product of that module's own update).
/// The predictor takes one Adam step on each batch that has arrived.</item>
/// </list>
/// So no module below the top ever uses a gradient computed from a module above it in the same step, and below the
/// highest cut no predictor ever sees a true gradient. The true gradients at the lower cuts are computed for the
/// cosine diagnostic only (outside the timed work). Everything is deterministic given the seed.
/// </summary>
public static class DecoupledTrainer
{
    private sealed record Arrival(long Step, Tensor OneHot, Tensor Losses, Tensor[] H, Tensor[] Targets) : IDisposable
    {
        public void Dispose()
        {
            OneHot.Dispose();
            Losses.Dispose();
            foreach (var t in H.Concat(Targets)) t.Dispose();
        }
    }

    /// <summary>
    /// Runs one (cuts, kind, seed) with <paramref name="settings"/> on <paramref name="train"/>, scoring on
    /// <paramref name="scored"/> every <c>eval_every</c> steps of <paramref name="o"/> and at the end.
    /// </summary>
    public static SyntheticGradientRun Run(int[] cuts, string kind, long seed, Hyperparameters settings, SyntheticGradientOptions o,
        ImageSplit train, ImageSplit scored, Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        using var model = new SplitCnn(cuts, (int)train.Images.shape[2], FashionMnist.Classes, seed, device);
        int k = cuts.Length;
        var predictors = model.CutShapes.Select((shape, c) => CreatePredictor(kind, shape, o.PredictorChannels, settings.SobolevWeight, seed + (c + 1) * PredictorSeedOffset, device)).ToArray();
        var optimisers = model.Stages.Select(s => new KeptAliveAdam(s.parameters(), settings.LearningRate)).ToArray();
        var predictorOptimisers = predictors.Select(p => p is null ? null : new KeptAliveAdam(p.Network.parameters(), settings.PredictorLearningRate)).ToArray();
        bool decoupled = kind != CutKinds.Backprop;
        var pending = new Queue<Arrival>();
        var batches = new BatchOrder(train.Count, o.BatchSize, seed);
        var curve = new List<CurvePoint>();
        var clock = new Stopwatch();
        double cpuSeconds = 0, lossSum = 0;
        var cosineSums = new double[decoupled ? k : 0];
        int sinceEval = 0;
        string task = $"synthetic-gradients cut {string.Join('+', cuts)} {kind} seed {seed}";
        try
        {
            for (long step = 1; step <= o.Steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                clock.Start();
                double cpu0 = ThreadCpuClock.Seconds();
                using (var scope = NewDisposeScope())
                {
                    using var index = tensor(batches.Next(), dtype: ScalarType.Int64);
                    var x = train.Images.index_select(0, index).to(device).to(ScalarType.Float32).DividedBy(255.0);
                    var y = train.Labels.index_select(0, index).to(device);
                    var oneHot = nn.functional.one_hot(y, FashionMnist.Classes).to(ScalarType.Float32);

                    // inputs[c] is what module c receives (detached from the module below); h[c] the activation at cut c.
                    var inputs = new Tensor[k + 1];
                    var h = new Tensor[k];
                    var synthetic = new Tensor[k];
                    inputs[0] = x;
                    for (int c = 0; c < k; c++)
                    {
                        h[c] = model.Stages[c].forward(inputs[c]);
                        inputs[c + 1] = h[c].detach().requires_grad_(true);
                        if (decoupled) synthetic[c] = predictors[c]!.Synthetic(h[c].detach(), oneHot);
                    }

                    var (losses, topGradients) = TopStep(model, optimisers[k], inputs[k], y);
                    lossSum += losses.mean().item<float>();
                    var targets = new Tensor[k];
                    if (!decoupled)
                    {
                        var gradient = topGradients;
                        for (int c = k - 1; c >= 0; c--) gradient = StepModule(optimisers[c], inputs[c], h[c], gradient!);
                    }
                    else
                    {
                        // Diagnostic, untimed: the true gradients at the lower cuts, down the chain from the top.
                        clock.Stop();
                        double cpuDiagnostic = ThreadCpuClock.Seconds();
                        var trueGradients = new Tensor[k];
                        trueGradients[k - 1] = topGradients;
                        for (int c = k - 1; c > 0; c--)
                            trueGradients[c - 1] = torch.autograd.grad([h[c]], [inputs[c]], [trueGradients[c]], retain_graph: true)[0];
                        for (int c = 0; c < k; c++) cosineSums[c] += Cosine(synthetic[c], trueGradients[c]);
                        cpuSeconds -= ThreadCpuClock.Seconds() - cpuDiagnostic;
                        clock.Start();

                        for (int c = 0; c < k; c++)
                        {
                            // Module c's update backpropagates the synthetic gradient at cut c down to cut c − 1: DNI's bootstrapped target there.
                            var down = StepModule(optimisers[c], inputs[c], h[c], synthetic[c]);
                            if (c > 0) targets[c - 1] = down!;
                        }
                        targets[k - 1] = topGradients;
                        pending.Enqueue(new Arrival(step + o.Delay, oneHot.MoveToOuterDisposeScope(), losses.MoveToOuterDisposeScope(),
                            [.. h.Select(t => t.detach().clone().MoveToOuterDisposeScope())], [.. targets.Select(t => t.MoveToOuterDisposeScope())]));
                        while (pending.Count > 0 && pending.Peek().Step <= step)
                        {
                            using var arrived = pending.Dequeue();
                            for (int c = 0; c < k; c++)
                            {
                                predictorOptimisers[c]!.zero_grad();
                                predictors[c]!.TrainingLoss(arrived.H[c], arrived.OneHot, arrived.Losses, arrived.Targets[c]).backward();
                                predictorOptimisers[c]!.step();
                            }
                        }
                    }
                }
                cpuSeconds += ThreadCpuClock.Seconds() - cpu0;
                clock.Stop();
                sinceEval++;
                if (step % o.EvalEvery == 0 || step == o.Steps)
                {
                    curve.Add(new CurvePoint(step, Accuracy(model, scored, device), lossSum / sinceEval, [.. cosineSums.Select(s => s / sinceEval)]));
                    lossSum = 0;
                    Array.Clear(cosineSums);
                    sinceEval = 0;
                    progress?.Report(new ProgressInfo(task, step, o.Steps));
                }
            }
        }
        finally
        {
            while (pending.Count > 0) pending.Dequeue().Dispose();
            foreach (var p in predictors) p?.Dispose();
            foreach (var opt in optimisers.Concat(predictorOptimisers)) opt?.Dispose();
        }
        return new SyntheticGradientRun(string.Join('+', cuts), kind, seed, settings, curve, cpuSeconds / o.Steps, clock.Elapsed.TotalMilliseconds / o.Steps);
    }

    /// <summary>The predictor of a kind at a cut of shape <paramref name="cutShape"/> (null for backprop); its initialisation depends on the seed only.</summary>
    public static GradientPredictor? CreatePredictor(string kind, long[] cutShape, int channels, double sobolevWeight, long seed, Device device) => kind switch
    {
        CutKinds.Backprop => null,
        CutKinds.Sg => new SyntheticGradientModule(cutShape, FashionMnist.Classes, channels, seed, device),
        CutKinds.Critic => new Critic(cutShape, FashionMnist.Classes, channels, 0, seed, device),
        CutKinds.SobolevCritic => new Critic(cutShape, FashionMnist.Classes, channels, sobolevWeight, seed, device),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of cut"),
    };

    // Keeps the predictors' weights independent of the classifier's, which are drawn from the seed itself.
    private const long PredictorSeedOffset = 1_000_003;

    /// <summary>
    /// The top module's forward and backward on the received activation <paramref name="h"/>: per-example losses
    /// <c>[B]</c> and the true per-example gradients ∂L_i/∂h_i <c>[B, *cut]</c> (B times the batch mean's gradient).
    /// </summary>
    public static (Tensor Losses, Tensor Gradients) TopStep(SplitCnn model, KeptAliveAdam optimiser, Tensor h, Tensor labels)
    {
        var input = h.detach().requires_grad_(true);
        var losses = nn.functional.cross_entropy(model.Top.forward(input), labels, reduction: nn.Reduction.None);
        optimiser.zero_grad();
        losses.mean().backward();
        optimiser.step();
        return (losses.detach(), input.grad!.Times(labels.shape[0]).detach());
    }

    /// <summary>
    /// One module's update from per-example gradients <c>[B, *out]</c> at its output <paramref name="output"/> (the
    /// module's loss is the batch mean, so each example's gradient enters divided by B). Returns the per-example gradients
    /// backpropagated to the module's <paramref name="input"/> (DNI's bootstrapped target at the cut below), or null
    /// when the input does not require grad (the images).
    /// </summary>
    public static Tensor? StepModule(KeptAliveAdam optimiser, Tensor input, Tensor output, Tensor perExampleGradients)
    {
        long batch = output.shape[0];
        optimiser.zero_grad();
        output.backward([perExampleGradients.DividedBy(batch)], retain_graph: false);
        optimiser.step();
        return input.requires_grad ? input.grad!.Times(batch).detach() : null;
    }

    /// <summary>Mean over examples of the cosine between two per-example gradients (0 where one is zero).</summary>
    public static double Cosine(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var fa = a.flatten(1);
        var fb = b.flatten(1);
        var dot = (fa * fb).sum(dim: 1);
        var norms = (fa.norm(dim: 1) * fb.norm(dim: 1)).AtLeast(1e-30);
        return (dot / norms).mean().item<float>();
    }

    /// <summary>Fraction of <paramref name="test"/> classified right.</summary>
    public static double Accuracy(SplitCnn model, ImageSplit test, Device device)
    {
        using var _ = no_grad();
        long right = 0;
        for (long start = 0; start < test.Count; start += 1000)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(1000, test.Count - start);
            var x = test.Images.narrow(0, start, n).to(device).to(ScalarType.Float32).DividedBy(255.0);
            var y = test.Labels.narrow(0, start, n).to(device);
            right += model.Logits(x).argmax(1).eq(y).sum().item<long>();
        }
        return (double)right / test.Count;
    }
}

/// <summary>Batches of example indices: shuffled epochs drawn from the seed, the last partial batch of each epoch dropped.</summary>
public sealed class BatchOrder(long examples, int batchSize, long seed)
{
    private readonly Random _random = new((int)(seed % int.MaxValue));
    private long[] _order = [];
    private long _position;

    /// <summary>The next batch's indices.</summary>
    public long[] Next()
    {
        if (_position + batchSize > _order.Length)
        {
            _order = new long[examples];
            for (long i = 0; i < examples; i++) _order[i] = i;
            _random.Shuffle(_order);
            _position = 0;
        }
        var batch = _order.AsSpan((int)_position, batchSize).ToArray();
        _position += batchSize;
        return batch;
    }
}
