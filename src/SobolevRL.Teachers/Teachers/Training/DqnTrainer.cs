using System.Diagnostics;
using System.Text.Json;
using SobolevRL.IO;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;
using SobolevRL.Envs.Wrappers;
using SobolevRL.Hardware;
using SobolevRL.Optimizers;
using SobolevRL.Policies;
using SobolevRL.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Teachers.Training;

/// <summary>What a finished (or interrupted) DQN training produced.</summary>
/// <param name="QNetwork">The online Q-network, observations (scaled) → Q-values (owned by the caller).</param>
/// <param name="ObservationShape">Shape of one observation (CHW).</param>
/// <param name="Actions">Number of actions.</param>
/// <param name="Network">The network kind and input scale.</param>
/// <param name="State">Progress at the end (<c>Updates</c> counts gradient steps).</param>
/// <param name="FramesPerSecond">Frames per second of the training.</param>
/// <param name="Completed">True when the frame budget was reached (false: cancelled).</param>
public sealed record DqnTrainingResult(Sequential QNetwork, long[] ObservationShape, int Actions, TeacherNetwork Network, PpoProgressState State,
    double FramesPerSecond, bool Completed)
{
    /// <summary>The greedy-in-Q policy (its logits are the Q-values; shares the weights).</summary>
    public ModulePolicy Policy() => new(QNetwork, ObservationShape, Actions, Network.InputScale);
}

/// <summary>Where a DQN run's loop stands beyond <see cref="PpoProgressState"/>, saved with its checkpoint.</summary>
/// <param name="LastTargetSync">Frame of the last copy into the target network.</param>
/// <param name="TrainDebt">Fraction of a gradient step owed (frames × 1/train_every not yet spent).</param>
/// <param name="NextLog">Frame of the next metrics row.</param>
public sealed record DqnLoopState(long LastTargetSync, double TrainDebt, long NextLog);

/// <summary>
/// Deep Q-learning (Mnih et al. 2015) on a vector env: ε-greedy acting with a linear ε schedule, a replay memory
/// (<see cref="TransitionBuffer"/>), targets r + γ (1 − terminated) max_a' Q_target(s', a') from a target network
/// copied every <see cref="DqnOptions.TargetUpdateEvery"/> frames, the Huber loss on the TD error, Adam with
/// gradient-norm clipping.
/// <para>
/// A run resumes from its checkpoint (every <see cref="DqnOptions.CheckpointEvery"/> frames, at a stop and at the end):
/// the online and target networks, Adam's state, the whole replay memory, the loop's counters (frames, gradient steps,
/// target-sync phase, the owed fraction of a gradient step) and the recent returns. The memory is saved because it is
/// the run's committed experience: without it a resumed run would refill it with a policy that is no longer the one
/// that produced it, and train on a few thousand fresh transitions instead of up to buffer_size. What is not saved is
/// the emulators' state: the envs restart from seeds derived from the frame count, so the episodes in flight at the
/// save end there as truncated (bootstrapping from their last observation, <see cref="TransitionBuffer.CutNewest"/>),
/// and exploration and replay sampling draw from a generator seeded from the frame count. A resumed run is therefore
/// reproducible (the same checkpoint resumes to the same weights) but not bit-identical to an uninterrupted one, as
/// with PPO.
/// </para>
/// </summary>
public static class DqnTrainer
{
    private const string OnlineFile = "model.bin", TargetFile = "target.bin", OptimizerFile = "optimizer.bin", ReplayFile = "replay.bin", LoopFile = "dqn.json";

    /// <summary>Trains according to <paramref name="options"/>, writing metrics into <paramref name="run"/>; with <paramref name="resume"/>, from its checkpoint.</summary>
    public static DqnTrainingResult Train(DqnOptions options, RunDirectory run, Device device, bool resume = false, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancellation = default)
    {
        var registry = EnvRegistry.CreateDefault();
        using var vec = VectorEnvFactory.Create(
            _ => registry.Make(options.Env, PpoTrainer.EnvOptionsFrom(options.EnvOptions)).WithEpisodeStatistics(), options.NumEnvs, 1);
        long[] shape = vec.SingleObservationSpace.Shape.Select(d => (long)d).ToArray();
        var network = TeacherNetwork.Resolve(options.Network, options.Env, vec.SingleObservationSpace);
        int actions = vec.ActionSpace.N;
        if (resume && !PpoCheckpoint.Exists(run)) throw new UserErrorException($"cannot resume: '{run.Path}' has no checkpoint; start a new run instead");
        random.manual_seed(options.Seed);
        var (online, _) = network.Build(shape, actions, options.ConvChannels, options.Hidden);
        try
        {
            var (target, _) = network.Build(shape, actions, options.ConvChannels, options.Hidden);
            using (target)
            {
                online.to(device);
                target.to(device);
                var parameters = online.parameters().ToArray();
                using var optimizer = new KeptAliveAdam(parameters, options.LearningRate, eps: options.AdamEpsilon);
                var buffer = new TransitionBuffer(options.BufferSize, options.NumEnvs, vec.SingleObservationSpace.Size);
                var state = new PpoProgressState(0, 0, 0, 0, []);
                var loop = new DqnLoopState(0, 0, options.LogEvery);
                if (resume)
                    state = PpoCheckpoint.LoadWith(run, dir =>
                    {
                        online.load(Path.Combine(dir, OnlineFile));
                        target.load(Path.Combine(dir, TargetFile));
                        optimizer.load_state_dict(Path.Combine(dir, OptimizerFile));
                        buffer.Load(Path.Combine(dir, ReplayFile));
                        loop = JsonSerializer.Deserialize<DqnLoopState>(File.ReadAllText(Path.Combine(dir, LoopFile)), Json.Options) ?? throw new JsonException("empty loop state");
                    });
                void Save(PpoProgressState s, DqnLoopState l) => PpoCheckpoint.SaveWith(run, s, dir =>
                {
                    online.save(Path.Combine(dir, OnlineFile));
                    target.save(Path.Combine(dir, TargetFile));
                    optimizer.save_state_dict(Path.Combine(dir, OptimizerFile));
                    buffer.Save(Path.Combine(dir, ReplayFile));
                    File.WriteAllText(Path.Combine(dir, LoopFile), JsonSerializer.Serialize(l, Json.Options));
                });
                var (finalState, fps, completed) = Loop(options, run, device, vec, shape, actions, network, online, target, optimizer, parameters, buffer,
                    state, loop, Save, progress, cancellation);
                return new DqnTrainingResult(online, shape, actions, network, finalState, fps, completed);
            }
        }
        catch
        {
            online.Dispose();
            throw;
        }
    }

    private static (PpoProgressState, double, bool) Loop(DqnOptions options, RunDirectory run, Device device, IVectorEnv vec, long[] shape, int actionCount,
        TeacherNetwork network, Sequential online, Sequential target, OptimizerHelper optimizer, Parameter[] parameters, TransitionBuffer buffer,
        PpoProgressState state, DqnLoopState loop, Action<PpoProgressState, DqnLoopState> save, IProgress<ProgressInfo>? progress, CancellationToken cancellation)
    {
        int envs = options.NumEnvs, obsSize = vec.SingleObservationSpace.Size, batch = options.BatchSize;
        long steps = (options.Frames + envs - 1) / envs, totalFrames = steps * envs;
        // Streams restart from the frame count, so a resumed run draws fresh, reproducible numbers (a new run: the seed).
        long streamSeed = options.Seed + 1_000_003L * state.Frames;
        var rng = new Random((int)(streamSeed % int.MaxValue));
        var current = new byte[envs * obsSize];
        var next = new byte[envs * obsSize];
        var stepActions = new int[envs];
        var rewards = new float[envs];
        var terminated = new bool[envs];
        var truncated = new bool[envs];
        var obsBatch = new byte[batch * obsSize];
        var nextBatch = new byte[batch * obsSize];
        var actionBatch = new long[batch];
        var rewardBatch = new float[batch];
        var doneBatch = new float[batch];
        vec.Reset(streamSeed % (uint.MaxValue - (long)envs), current);
        if (state.Frames == 0) SyncTarget(online, target);
        using var metrics = new MetricsLogger(run);
        var clock = Stopwatch.StartNew();
        var recent = new Queue<double>(state.RecentReturns);
        var logReturns = new List<double>();
        long frames = state.Frames, episodes = state.Episodes, lastTargetSync = loop.LastTargetSync, nextLog = loop.NextLog, startFrames = state.Frames;
        long nextCheckpoint = options.CheckpointEvery > 0 ? (frames / options.CheckpointEvery + 1) * options.CheckpointEvery : long.MaxValue;
        int gradientSteps = state.Updates;
        double trainDebt = loop.TrainDebt, lossSum = 0, qSum = 0, epsilon = options.EpsilonAt(frames);
        int lossCount = 0;
        bool saved = false;
        string task = frames > 0 ? $"dqn {options.Env} (resumed at {frames} frames)" : $"dqn {options.Env}";
        PpoProgressState Progress() => new(gradientSteps, frames, state.WallTimeSeconds + clock.Elapsed.TotalSeconds, episodes, [.. recent]);
        void Checkpoint()
        {
            // The envs of a resumed run start afresh: the newest transitions end here, with the observations that followed them.
            buffer.CutNewest(current);
            save(Progress(), new DqnLoopState(lastTargetSync, trainDebt, nextLog));
        }
        progress?.Report(new ProgressInfo(task, 0, Math.Max(0, totalFrames - startFrames), "frames"));
        for (long step = frames / envs; step < steps && !cancellation.IsCancellationRequested; step++)
        {
            epsilon = options.EpsilonAt(frames);
            Act(online, current, shape, envs, device, network.InputScale, epsilon, actionCount, rng, stepActions);
            vec.Step(stepActions, next, rewards, terminated, truncated);
            buffer.Add(current, stepActions, rewards, terminated, truncated, e => vec.FinalObservation(e).ToArray());
            for (int e = 0; e < envs; e++)
            {
                if ((terminated[e] || truncated[e]) && vec.FinalInfo(e).Get(InfoKeys.EpisodeReturn) is double ret)
                {
                    recent.Enqueue(ret);
                    if (recent.Count > 100) recent.Dequeue();
                    logReturns.Add(ret);
                    episodes++;
                }
            }
            (current, next) = (next, current);
            frames += envs;
            if (frames > options.LearningStarts && buffer.Count > 0)
            {
                trainDebt += (double)envs / options.TrainEvery;
                for (; trainDebt >= 1; trainDebt--)
                {
                    buffer.Sample(rng, batch, obsBatch, nextBatch, actionBatch, rewardBatch, doneBatch);
                    var (loss, q) = GradientStep(online, target, optimizer, parameters, options, shape, device, network.InputScale,
                        obsBatch, nextBatch, actionBatch, rewardBatch, doneBatch);
                    lossSum += loss;
                    qSum += q;
                    lossCount++;
                    gradientSteps++;
                }
                if (frames - lastTargetSync >= options.TargetUpdateEvery)
                {
                    SyncTarget(online, target);
                    lastTargetSync = frames;
                }
            }
            if (frames >= nextLog || step == steps - 1)
            {
                nextLog += options.LogEvery;
                metrics.Log(frames, new Dictionary<string, double>
                {
                    ["episode_return"] = logReturns.Count > 0 ? logReturns.Average() : double.NaN,
                    ["episode_return_100"] = recent.Count > 0 ? recent.Average() : double.NaN,
                    ["episodes"] = episodes,
                    ["td_loss"] = lossCount > 0 ? lossSum / lossCount : double.NaN,
                    ["q_mean"] = lossCount > 0 ? qSum / lossCount : double.NaN,
                    ["epsilon"] = epsilon,
                    ["gradient_steps"] = gradientSteps,
                    ["frames_per_second"] = (frames - startFrames) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
                    ["wall_time"] = state.WallTimeSeconds + clock.Elapsed.TotalSeconds,
                });
                logReturns.Clear();
                lossSum = qSum = 0;
                lossCount = 0;
                progress?.Report(new ProgressInfo(task, frames - startFrames, totalFrames - startFrames, "frames"));
            }
            saved = frames >= nextCheckpoint;
            if (saved)
            {
                Checkpoint();
                nextCheckpoint += options.CheckpointEvery;
            }
        }
        // A stop and the end save too (the end: a finished run may be resumed with a larger frame budget).
        if (!saved && frames > startFrames) Checkpoint();
        double seconds = clock.Elapsed.TotalSeconds;
        return (Progress(), (frames - startFrames) / Math.Max(seconds, 1e-9), frames >= totalFrames);
    }

    // ε-greedy over one batched forward pass of all envs.
    private static void Act(Sequential online, byte[] observations, long[] shape, int envs, Device device, double scale, double epsilon, int actionCount,
        Random rng, int[] chosen)
    {
        long[]? greedy = null;
        if (epsilon < 1)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor obs = tensor(observations, [envs, .. shape]).to(float32, device);
            greedy = online.call(scale == 1.0 ? obs : obs.Times(scale)).argmax(-1).cpu().data<long>().ToArray();
        }
        for (int e = 0; e < envs; e++)
            chosen[e] = rng.NextDouble() < epsilon || greedy is null ? rng.Next(actionCount) : (int)greedy[e];
    }

    /// <summary>
    /// The TD loss of one batch: Huber(Q(s, a) − y) with y = r + γ (1 − done) max_a' Q_target(s', a') (no gradient through y),
    /// averaged over the batch. Returned as a tensor so tests can differentiate it.
    /// </summary>
    public static (Tensor Loss, Tensor Q) TdLoss(Sequential online, Sequential target, Tensor obs, Tensor nextObs, Tensor actions, Tensor rewards, Tensor done,
        double gamma, double huberDelta)
    {
        Tensor q = online.call(obs).gather(1, actions.unsqueeze(1)).squeeze(1);
        Tensor y;
        using (no_grad())
        {
            Tensor nextMax = target.call(nextObs).max(1).values;
            y = rewards.Plus(nextMax.Times(gamma).mul(done.neg().Plus(1.0)));
        }
        return (nn.functional.huber_loss(q, y, delta: huberDelta), q);
    }

    private static (double Loss, double Q) GradientStep(Sequential online, Sequential target, OptimizerHelper optimizer, Parameter[] parameters, DqnOptions options,
        long[] shape, Device device, double scale, byte[] obsBatch, byte[] nextBatch, long[] actionBatch, float[] rewardBatch, float[] doneBatch)
    {
        using var scope = NewDisposeScope();
        int b = actionBatch.Length;
        Tensor obs = tensor(obsBatch, [b, .. shape]).to(float32, device);
        Tensor nextObs = tensor(nextBatch, [b, .. shape]).to(float32, device);
        if (scale != 1.0)
        {
            obs = obs.Times(scale);
            nextObs = nextObs.Times(scale);
        }
        var (loss, q) = TdLoss(online, target, obs, nextObs, tensor(actionBatch).to(device), tensor(rewardBatch).to(device), tensor(doneBatch).to(device),
            options.Gamma, options.HuberDelta);
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
        optimizer.step();
        return (loss.item<float>(), q.mean().item<float>());
    }

    private static void SyncTarget(Sequential online, Sequential target)
    {
        using var noGrad = no_grad();
        var source = online.parameters().ToArray();
        var destination = target.parameters().ToArray();
        for (int i = 0; i < source.Length; i++) destination[i].copy_(source[i]);
    }
}
