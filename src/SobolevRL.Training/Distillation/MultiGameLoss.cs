using SobolevRL.Hardware;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// The distillation loss of a multi-game student on a game-mixed batch: game g's rows go through
/// <see cref="DistillationLoss.Compute"/> with game g's policy (torso + its head) and its teacher's labels, and the terms
/// are combined with weights n_g / B, so each term is the mean over every row of the batch of the single-game per-row
/// term (the per-game Sobolev term is the single-game one, for every label mode and form).
/// </summary>
public static class MultiGameLoss
{
    /// <summary>The combined terms and each game's (undifferentiated) value and Sobolev terms.</summary>
    /// <param name="Parts">Combined value, Sobolev and total terms; <c>Total</c> is differentiable.</param>
    /// <param name="GameValue">Value term of each game.</param>
    /// <param name="GameSobolev">Sobolev term of each game.</param>
    public sealed record Result(LossParts Parts, double[] GameValue, double[] GameSobolev) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => Parts.Dispose();
    }

    /// <summary>Computes the loss; <paramref name="temperatures"/>[g] is game g's τ.</summary>
    public static Result Compute(MultiGameStudent student, MultiGameBatch batch, LossOptions options, LabelMode sobolev,
        IReadOnlyList<double> temperatures, double weight, Generator? directions = null)
    {
        using var scope = NewDisposeScope();
        double size = batch.Size;
        Tensor? value = null, derivative = null, total = null;
        var gameValue = new double[batch.Parts.Count];
        var gameSobolev = new double[batch.Parts.Count];
        for (int g = 0; g < batch.Parts.Count; g++)
        {
            var rows = batch.Parts[g];
            var parts = DistillationLoss.Compute(student.Policies[g], rows, options, sobolev, temperatures[g], weight, directions);
            gameValue[g] = Number(parts.Value);
            gameSobolev[g] = Number(parts.Sobolev);
            double share = rows.Size / size;
            value = Add(value, parts.Value.Times(share));
            derivative = Add(derivative, parts.Sobolev.Times(share));
            total = Add(total, parts.Total.Times(share));
        }
        var result = new LossParts(value!, derivative!, total!);
        result.Value.MoveToOuterDisposeScope();
        result.Sobolev.MoveToOuterDisposeScope();
        result.Total.MoveToOuterDisposeScope();
        return new Result(result, gameValue, gameSobolev);
    }

    /// <summary>A scalar tensor of any floating dtype as a double.</summary>
    public static double Number(Tensor scalar)
    {
        using var d = scalar.detach().to(ScalarType.Float64);
        return d.item<double>();
    }

    private static Tensor Add(Tensor? sum, Tensor term) => sum is null ? term : sum.Plus(term);
}
