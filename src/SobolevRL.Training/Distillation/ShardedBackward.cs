using SobolevRL.Hardware;
using SobolevRL.Replay;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// A batch's loss and its gradients with respect to the parameters, computed on contiguous shards of the batch at once
/// (<see cref="ShardThreads"/>) and combined as the size-weighted mean: for a loss that is a mean over the batch's rows
/// this is the whole batch's gradient (up to float rounding), accumulated into each parameter's <c>grad</c> as
/// <c>Total.backward()</c> would. With one shard it is exactly <c>loss(batch)</c> then <c>Total.backward()</c>.
/// </summary>
public static class ShardedBackward
{
    /// <summary>
    /// Evaluates <paramref name="loss"/> on each shard of <paramref name="batch"/>, adds the weighted gradients of the
    /// shards' totals to <paramref name="parameters"/>' <c>grad</c> (shard order, so deterministic) and returns the
    /// weighted loss terms, detached. Every parameter must take part in the loss.
    /// </summary>
    public static LossParts Compute(ShardThreads shards, IReadOnlyList<Parameter> parameters, ReplayBatch batch, Func<ReplayBatch, LossParts> loss) =>
        Compute(shards, parameters, batch.Size, (int)Math.Min(shards.Count, batch.Size), () => loss(batch), (s, used) =>
        {
            (long start, long length) = ShardThreads.Range(batch.Size, used, s);
            return (loss(batch.Rows(start, length)), length);
        });

    /// <summary>
    /// The form of <see cref="Compute(ShardThreads, IReadOnlyList{Parameter}, ReplayBatch, Func{ReplayBatch, LossParts})"/>
    /// for any batch of <paramref name="rows"/> rows: <paramref name="whole"/> is the loss of the whole batch (one shard),
    /// <paramref name="shard"/>(s, used) the loss of shard s of <paramref name="used"/> (at most the shard threads) and
    /// its rows, whose share of <paramref name="rows"/> weights it.
    /// </summary>
    public static LossParts Compute(ShardThreads shards, IReadOnlyList<Parameter> parameters, long rows, int used, Func<LossParts> whole,
        Func<int, int, (LossParts Parts, long Rows)> shard)
    {
        if (shards.Count == 1)
        {
            var parts = whole();
            parts.Total.backward();
            return parts;
        }
        var terms = new Tensor[used][];
        var gradients = new Tensor[used][];
        var weights = new double[used];
        var inputs = parameters.Cast<Tensor>().ToList();
        try
        {
            shards.Run(s =>
            {
                if (s >= used) return;
                using var scope = NewDisposeScope();
                (var shardParts, long length) = shard(s, used);
                using var parts = shardParts;
                weights[s] = (double)length / rows;
                // The shard's weight enters as the gradient of the output, so the shards' gradients only need adding.
                using var weightScalar = weights[s].ToScalar();
                var weight = full_like(parts.Total, weightScalar);
                gradients[s] = torch.autograd.grad([parts.Total], inputs, [weight]).Select(g => g.MoveToOuterDisposeScope()).ToArray();
                terms[s] = [parts.Value.detach().MoveToOuterDisposeScope(), parts.Sobolev.detach().MoveToOuterDisposeScope(),
                    parts.Total.detach().MoveToOuterDisposeScope()];
            });
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                for (int p = 0; p < parameters.Count; p++)
                    if (!gradients[0][p].is_contiguous())
                    {
                        var dense = gradients[0][p].contiguous().MoveToOuterDisposeScope();
                        gradients[0][p].Dispose();
                        gradients[0][p] = dense;
                    }
                // Shard 0's gradients become the sum, each shard adding up one range of every parameter's elements.
                shards.Run(k =>
                {
                    using var noGrad = no_grad();
                    using var rangeScope = NewDisposeScope();
                    foreach (var (sum, p) in gradients[0].Select((g, p) => (g, p)))
                    {
                        var (start, length) = ShardThreads.Range(sum.numel(), shards.Count, k);
                        if (length == 0) continue;
                        var target = sum.view(-1).narrow(0, start, length);
                        for (int s = 1; s < used; s++) target.AddInPlace(gradients[s][p].reshape(-1).narrow(0, start, length));
                    }
                });
                for (int p = 0; p < parameters.Count; p++)
                {
                    var sum = gradients[0][p];
                    var existing = parameters[p].grad;
                    if (existing is null) parameters[p].grad = sum;
                    else existing.AddInPlace(sum);
                }
                var combined = new LossParts(Weighted(terms, weights, 0), Weighted(terms, weights, 1), Weighted(terms, weights, 2));
                combined.Value.MoveToOuterDisposeScope();
                combined.Sobolev.MoveToOuterDisposeScope();
                combined.Total.MoveToOuterDisposeScope();
                return combined;
            }
        }
        finally
        {
            foreach (var set in gradients.Concat(terms))
                if (set is not null)
                    foreach (var t in set) t.Dispose();
        }
    }

    private static Tensor Weighted(Tensor[][] sets, double[] weights, int index)
    {
        var sum = sets[0][index].Times(weights[0]);
        for (int s = 1; s < sets.Length; s++) sum.AddInPlace(sets[s][index], weights[s]);
        return sum;
    }
}
