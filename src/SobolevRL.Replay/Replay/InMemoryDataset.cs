using SobolevRL.Envs.Core;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;
using SobolevRL.Policies;

namespace SobolevRL.Replay;

/// <summary>
/// A small labelled dataset held in memory (CPU tensors): train and held-out parts as <see cref="ReplayBatch"/>es. For
/// tests and small experiments; large collections go to disk.
/// </summary>
/// <param name="Summary">What the dataset holds.</param>
/// <param name="Train">All train states with their labels.</param>
/// <param name="HeldOut">All held-out states with their labels.</param>
public sealed record InMemoryDataset(DatasetSummary Summary, ReplayBatch Train, ReplayBatch HeldOut) : IReplayDataset
{
    /// <inheritdoc />
    /// <remarks>The in-memory dataset keeps no episode ids: its validation split is the last rows of the train part.</remarks>
    public IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device, double validationFraction = 0) =>
        new InMemoryReplaySampler(this, batchSize, seed, position, device, Train.Size - ValidationRows(validationFraction));

    /// <inheritdoc />
    /// <remarks>The last rows of the train part (the in-memory dataset keeps no episode ids).</remarks>
    public ReplayBatch? Validation(double validationFraction, int maxStates, Device device)
    {
        long rows = ValidationRows(validationFraction);
        if (rows == 0) return null;
        return Train.Slice(Train.Size - rows, Math.Min(maxStates, rows), device);
    }

    // Rows of the validation split: the fraction rounded up, at least one row and never every row (none of one row).
    private long ValidationRows(double fraction)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new UserErrorException($"validation fraction {fraction}: must be in [0, 1)");
        if (fraction == 0 || Train.Size < 2) return 0;
        return Math.Clamp((long)Math.Ceiling(fraction * Train.Size), 1, Train.Size - 1);
    }

    /// <inheritdoc />
    ReplayBatch IReplayDataset.HeldOut(int maxStates, Device device) =>
        HeldOut.Slice(0, Math.Min(maxStates, HeldOut.Size), device);

    /// <summary>
    /// Plays <paramref name="env"/> with <paramref name="teacher"/> (actions sampled from its policy) and labels the visited
    /// states. Episodes started from seeds <paramref name="seed"/>, seed+1, …; the last <paramref name="heldOutFraction"/>
    /// of the states (whole episodes, at least one) form the held-out split.
    /// </summary>
    public static InMemoryDataset Collect(IEnv env, IPolicy teacher, int states, LabelMode mode, long seed, double heldOutFraction = 0.25, string teacherSha256 = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(states, 2);
        int size = env.ObservationSpace.Size;
        var frames = new float[states * size];
        var actions = new long[states];
        var episodeOf = new int[states];
        var obs = new byte[size];
        using var actGenerator = new Generator(unchecked((ulong)seed) ^ 0x5DEECE66DUL);
        int episode = 0;
        env.Reset(seed, obs);
        for (int i = 0; i < states; i++)
        {
            for (int j = 0; j < size; j++) frames[i * size + j] = obs[j];
            int action;
            using (NewDisposeScope())
            using (no_grad())
            {
                var x = tensor(frames.AsSpan(i * size, size).ToArray(), [1, .. teacher.ObservationShape]).to(teacher.Device);
                var p = nn.functional.softmax(teacher.Logits(x).DividedBy(teacher.Temperature), -1).cpu();
                action = (int)multinomial(p, 1, generator: actGenerator).item<long>();
            }
            actions[i] = action;
            episodeOf[i] = episode;
            if (env.Step(action, obs).Done)
            {
                episode++;
                env.Reset(seed + episode, obs);
            }
        }
        // Held-out = the last episodes: a state's episode never straddles the split.
        int cut = (int)Math.Clamp(states * (1 - heldOutFraction), 1, states - 1);
        int heldStart = cut;
        while (heldStart > 0 && episodeOf[heldStart - 1] == episodeOf[cut]) heldStart--;
        if (heldStart == 0) heldStart = cut; // one long episode: split inside it
        using var all = tensor(frames, [states, .. teacher.ObservationShape]);
        using var allActions = tensor(actions);
        var train = LabelPart(teacher, all[..heldStart], allActions[..heldStart], mode, seed);
        var heldOut = LabelPart(teacher, all[heldStart..], allActions[heldStart..], mode, seed + 1);
        var summary = new DatasetSummary(env.Id, teacher.ObservationShape, teacher.Actions, mode, heldStart, states - heldStart, teacherSha256, teacher.Temperature);
        return new InMemoryDataset(summary, train, heldOut);
    }

    /// <summary>Labels <paramref name="observations"/> with <paramref name="teacher"/> into a CPU batch.</summary>
    public static ReplayBatch LabelPart(IPolicy teacher, Tensor observations, Tensor actions, LabelMode mode, long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var x = observations.to(teacher.Device);
        using var labels = Labeler.Label(teacher, x, mode, generator);
        return new ReplayBatch(observations.cpu().clone(), labels.Logits.cpu().clone(), actions.cpu().clone(),
            labels.GradLabels?.cpu().clone(), labels.Projections?.cpu().clone());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        HeldOut.Dispose();
    }
}
