using System.Diagnostics;
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

/// <summary>
/// Deep Q-learning (Mnih et al. 2015) on a vector env: ε-greedy acting with a linear ε schedule, a replay memory
/// (<see cref="TransitionBuffer"/>), targets r + γ (1 − terminated) max_a' Q_target(s', a') from a target network
/// copied every <see cref="DqnOptions.TargetUpdateEvery"/> frames, the Huber loss on the TD error, Adam with
/// gradient-norm clipping. A run does not resume (its replay memory is not saved); a stopped run exports nothing.
/// </summary>
public static class DqnTrainer
{
    /// <summary>Trains according to <paramref name="options"/>, writing metrics into <paramref name="run"/>.</summary>
    public static DqnTrainingResult Train(DqnOptions options, RunDirectory run, Device device, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancellation = default)
    {
        var registry = EnvRegistry.CreateDefault();
        using var vec = VectorEnvFactory.Create(
            _ => registry.Make(options.Env, PpoTrainer.EnvOptionsFrom(options.EnvOptions)).WithEpisodeStatistics(), options.NumEnvs, 1);
        long[] shape = vec.SingleObservationSpace.Shape.Select(d => (long)d).ToArray();
        var network = TeacherNetwork.Resolve(options.Network, options.Env, vec.SingleObservationSpace);
        int actions = vec.ActionSpace.N;
        random.manual_seed(options.Seed);
        var (online, _) = network.Build(shape, actions, options.ConvChannels, options.Hidden);
        try
        {
            var (target, _) = network.Build(shape, actions, options.ConvChannels, options.Hidden);
            using (target)
            {
                online.to(device);
                target.to(device);
                var (state, fps, completed) = Loop(options, run, device, vec, shape, actions, network, online, target, progress, cancellation);
                return new DqnTrainingResult(online, shape, actions, network, state, fps, completed);
            }
        }
        catch
        {
            online.Dispose();
            throw;
        }
    }

    private static (PpoProgressState, double, bool) Loop(DqnOptions options, RunDirectory run, Device device, IVectorEnv vec, long[] shape, int actionCount,
        TeacherNetwork network, Sequential online, Sequential target, IProgress<ProgressInfo>? progress, CancellationToken cancellation)
    {
        int envs = options.NumEnvs, obsSize = vec.SingleObservationSpace.Size, batch = options.BatchSize;
        long steps = (options.Frames + envs - 1) / envs, totalFrames = steps * envs;
        var parameters = online.parameters().ToArray();
        using var optimizer = new KeptAliveAdam(parameters, options.LearningRate, eps: options.AdamEpsilon);
        var rng = new Random((int)(options.Seed % int.MaxValue));
        var buffer = new TransitionBuffer(options.BufferSize, envs, obsSize);
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
        vec.Reset(options.Seed, current);
        SyncTarget(online, target);
        using var metrics = new MetricsLogger(run);
        var clock = Stopwatch.StartNew();
        var recent = new Queue<double>();
        var logReturns = new List<double>();
        long frames = 0, episodes = 0, lastTargetSync = 0, nextLog = options.LogEvery;
        int gradientSteps = 0;
        double trainDebt = 0, lossSum = 0, qSum = 0;
        int lossCount = 0;
        progress?.Report(new ProgressInfo($"dqn {options.Env}", 0, totalFrames, "frames"));
        for (long step = 0; step < steps && !cancellation.IsCancellationRequested; step++)
        {
            double epsilon = options.EpsilonAt(frames);
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
                    ["frames_per_second"] = frames / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
                    ["wall_time"] = clock.Elapsed.TotalSeconds,
                });
                logReturns.Clear();
                lossSum = qSum = 0;
                lossCount = 0;
                progress?.Report(new ProgressInfo($"dqn {options.Env}", frames, totalFrames, "frames"));
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var state = new PpoProgressState(gradientSteps, frames, seconds, episodes, [.. recent]);
        return (state, frames / Math.Max(seconds, 1e-9), frames >= totalFrames);
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
