using System.Diagnostics;
using SobolevRL.Hardware;
using SobolevRL.Optimizers;
using SobolevRL.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>Test accuracy and diagnostics at one evaluation step of a run.</summary>
/// <param name="Step">Training steps done.</param>
/// <param name="TestAccuracy">Fraction of test images classified right.</param>
/// <param name="TrainLoss">Mean training cross-entropy over the steps since the previous point.</param>
/// <param name="GradientCosine">Mean per-example cosine between the synthetic and the true ∂L/∂h since the previous point (NaN for backprop).</param>
public sealed record CurvePoint(long Step, double TestAccuracy, double TrainLoss, double GradientCosine);

/// <summary>One training run of the experiment.</summary>
/// <param name="Cut">Cut position.</param>
/// <param name="Kind">Kind of cut (<see cref="CutKinds"/>).</param>
/// <param name="Seed">Seed.</param>
/// <param name="Curve">Evaluation points, the last at the final step.</param>
/// <param name="MillisecondsPerStep">Wall-clock training time per step, evaluation excluded.</param>
public sealed record SyntheticGradientRun(int Cut, string Kind, long Seed, IReadOnlyList<CurvePoint> Curve, double MillisecondsPerStep)
{
    /// <summary>Test accuracy after the last step.</summary>
    public double FinalAccuracy => Curve[^1].TestAccuracy;
}

/// <summary>
/// Trains the classifier split at one cut, with decoupled updates simulated on one thread. Step t on batch (x_t, y_t):
/// <list type="number">
/// <item>the lower module computes h_t = f(x_t);</item>
/// <item>(not backprop) the predictor, trained only on batches up to t − 1 − delay, gives the synthetic ∂L/∂h_t and
/// the lower module takes its Adam step with it at once, without waiting for the upper module;</item>
/// <item>the upper module receives h_t (as data, detached), computes the per-example losses L_i and takes its own step
/// with its exact gradient; the true ∂L_i/∂h_i come out of the same backward pass;</item>
/// <item>(backprop) the lower module steps with the true ∂L/∂h_t: no decoupling, the upper bound;</item>
/// <item>(not backprop) (h_t, y_t, L_t, ∂L/∂h_t) is queued to reach the predictor <c>delay</c> steps later; the
/// predictor takes one Adam step on each batch that has arrived.</item>
/// </list>
/// So the lower module's update at step t uses only the predictor's output; the true gradient is used only to train
/// the predictor. Everything is deterministic given the seed (own generators, fixed batch order).
/// </summary>
public static class DecoupledTrainer
{
    private sealed record Arrival(long Step, Tensor H, Tensor OneHot, Tensor Losses, Tensor Gradients) : IDisposable
    {
        public void Dispose()
        {
            H.Dispose();
            OneHot.Dispose();
            Losses.Dispose();
            Gradients.Dispose();
        }
    }

    /// <summary>Runs one (cut, kind, seed) on <paramref name="train"/>, scoring on <paramref name="test"/>.</summary>
    public static SyntheticGradientRun Run(int cut, string kind, long seed, SyntheticGradientOptions o, ImageSplit train, ImageSplit test, Device device,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        using var model = new SplitCnn(cut, (int)train.Images.shape[2], FashionMnist.Classes, seed, device);
        using var predictor = CreatePredictor(kind, model.CutShape, o, seed, device);
        using var lowerOptimiser = new KeptAliveAdam(model.Lower.parameters(), o.LearningRate);
        using var upperOptimiser = new KeptAliveAdam(model.Upper.parameters(), o.LearningRate);
        using var predictorOptimiser = predictor is null ? null : new KeptAliveAdam(predictor.Network.parameters(), o.PredictorLearningRate);
        var pending = new Queue<Arrival>();
        var batches = new BatchOrder(train.Count, o.BatchSize, seed);
        var curve = new List<CurvePoint>();
        var clock = new Stopwatch();
        double lossSum = 0, cosineSum = 0;
        int sinceEval = 0;
        string task = $"synthetic-gradients cut {cut} {kind} seed {seed}";
        try
        {
            for (long step = 1; step <= o.Steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                clock.Start();
                using (var scope = NewDisposeScope())
                {
                    using var index = tensor(batches.Next(), dtype: ScalarType.Int64);
                    var x = train.Images.index_select(0, index).to(device).to(ScalarType.Float32).DividedBy(255.0);
                    var y = train.Labels.index_select(0, index).to(device);
                    var oneHot = nn.functional.one_hot(y, FashionMnist.Classes).to(ScalarType.Float32);
                    long batch = y.shape[0];

                    var h = model.Lower.forward(x);
                    Tensor? synthetic = null;
                    if (predictor != null)
                    {
                        synthetic = predictor.Synthetic(h.detach(), oneHot);
                        StepLower(lowerOptimiser, h, synthetic, batch);
                    }

                    var (losses, trueGradients) = UpperStep(model, upperOptimiser, h.detach(), y);
                    lossSum += losses.mean().item<float>();

                    if (predictor == null)
                    {
                        StepLower(lowerOptimiser, h, trueGradients, batch);
                    }
                    else
                    {
                        cosineSum += Cosine(synthetic!, trueGradients);
                        pending.Enqueue(new Arrival(step + o.Delay, h.detach().clone().MoveToOuterDisposeScope(), oneHot.MoveToOuterDisposeScope(),
                            losses.MoveToOuterDisposeScope(), trueGradients.MoveToOuterDisposeScope()));
                        while (pending.Count > 0 && pending.Peek().Step <= step)
                        {
                            using var arrived = pending.Dequeue();
                            predictorOptimiser!.zero_grad();
                            predictor.TrainingLoss(arrived.H, arrived.OneHot, arrived.Losses, arrived.Gradients).backward();
                            predictorOptimiser.step();
                        }
                    }
                }
                clock.Stop();
                sinceEval++;
                if (step % o.EvalEvery == 0 || step == o.Steps)
                {
                    curve.Add(new CurvePoint(step, Accuracy(model, test, device), lossSum / sinceEval, predictor == null ? double.NaN : cosineSum / sinceEval));
                    lossSum = cosineSum = 0;
                    sinceEval = 0;
                    progress?.Report(new ProgressInfo(task, step, o.Steps));
                }
            }
        }
        finally
        {
            while (pending.Count > 0) pending.Dequeue().Dispose();
        }
        return new SyntheticGradientRun(cut, kind, seed, curve, clock.Elapsed.TotalMilliseconds / o.Steps);
    }

    /// <summary>The predictor of a kind (null for backprop); its initialisation depends on the seed only.</summary>
    public static GradientPredictor? CreatePredictor(string kind, long[] cutShape, SyntheticGradientOptions o, long seed, Device device) => kind switch
    {
        CutKinds.Backprop => null,
        CutKinds.Sg => new SyntheticGradientModule(cutShape, FashionMnist.Classes, o.PredictorChannels, seed + PredictorSeedOffset, device),
        CutKinds.Critic => new Critic(cutShape, FashionMnist.Classes, o.PredictorChannels, 0, seed + PredictorSeedOffset, device),
        CutKinds.SobolevCritic => new Critic(cutShape, FashionMnist.Classes, o.PredictorChannels, o.SobolevWeight, seed + PredictorSeedOffset, device),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of cut"),
    };

    // Keeps the predictors' weights independent of the classifier's, which are drawn from the seed itself.
    private const long PredictorSeedOffset = 1_000_003;

    /// <summary>
    /// The upper module's forward and backward on the received activation <paramref name="h"/>: per-example losses
    /// <c>[B]</c> and the true per-example gradients ∂L_i/∂h_i <c>[B, *cut]</c> (B times the batch mean's gradient).
    /// </summary>
    public static (Tensor Losses, Tensor Gradients) UpperStep(SplitCnn model, KeptAliveAdam optimiser, Tensor h, Tensor labels)
    {
        var input = h.detach().requires_grad_(true);
        var losses = nn.functional.cross_entropy(model.Upper.forward(input), labels, reduction: nn.Reduction.None);
        optimiser.zero_grad();
        losses.mean().backward();
        optimiser.step();
        return (losses.detach(), input.grad!.Times(labels.shape[0]).detach());
    }

    // The lower module's loss is the batch mean, so each example's gradient enters divided by the batch size.
    private static void StepLower(KeptAliveAdam optimiser, Tensor h, Tensor perExampleGradients, long batch)
    {
        optimiser.zero_grad();
        h.backward([perExampleGradients.DividedBy(batch)], retain_graph: false);
        optimiser.step();
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
