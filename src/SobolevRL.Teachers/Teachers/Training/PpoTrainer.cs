using SobolevRL.Optimizers;
using System.Diagnostics;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;
using SobolevRL.Envs.Wrappers;
using SobolevRL.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Teachers.Training;

/// <summary>What a finished (or interrupted) training produced.</summary>
/// <param name="Model">The trained actor-critic (owned by the caller).</param>
/// <param name="ObservationShape">Shape of one observation (CHW).</param>
/// <param name="Actions">Number of actions.</param>
/// <param name="State">Progress at the end.</param>
/// <param name="FramesPerSecond">Frames per second of this session's training.</param>
/// <param name="Completed">True when the frame budget was reached (false: cancelled).</param>
/// <param name="Network">The network the model uses.</param>
public sealed record PpoTrainingResult(ActorCritic Model, long[] ObservationShape, int Actions, PpoProgressState State, double FramesPerSecond, bool Completed,
    TeacherNetwork Network)
{
    /// <summary>The trained policy path as an <see cref="SobolevRL.Policies.IPolicy"/> (shares the model's weights; observations unscaled).</summary>
    public SobolevRL.Policies.ModulePolicy Policy() => new(Model.Policy, ObservationShape, Actions, Model.InputScale);
}

/// <summary>
/// Trains an actor-critic with PPO on a vector env: collect a rollout with the current policy, compute GAE, run
/// <see cref="PpoUpdate"/>, log metrics, checkpoint. Resuming restores weights, optimizer and counters; the envs
/// and random streams restart from seeds derived from the update count, so a resumed run is reproducible but not
/// bit-identical to an uninterrupted one.
/// </summary>
public static class PpoTrainer
{
    /// <summary>Trains according to <paramref name="options"/>, writing metrics and checkpoints into <paramref name="run"/>.</summary>
    /// <param name="options">PPO settings.</param>
    /// <param name="run">Run directory (metrics.csv, tb/, checkpoint/).</param>
    /// <param name="device">Device of the network.</param>
    /// <param name="resume">Continue from the run's checkpoint.</param>
    /// <param name="progress">Receives frames done / total.</param>
    /// <param name="cancellation">Stops after the current update (a checkpoint is saved).</param>
    public static PpoTrainingResult Train(PpoOptions options, RunDirectory run, Device device, bool resume = false,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellation = default)
    {
        var registry = EnvRegistry.CreateDefault();
        using var vec = VectorEnvFactory.Create(
            _ => registry.Make(options.Env, EnvOptionsFrom(options.EnvOptions)).WithEpisodeStatistics(), options.NumEnvs, options.EnvThreads);
        long[] shape = vec.SingleObservationSpace.Shape.Select(d => (long)d).ToArray();
        var network = TeacherNetwork.Resolve(options.Network, options.Env, vec.SingleObservationSpace);
        int actions = vec.ActionSpace.N;

        random.manual_seed(options.Seed);
        var model = new ActorCritic(network, shape, actions, options.ConvChannels, options.Hidden);
        try
        {
            model.to(device);
            using var optimizer = new KeptAliveAdam(model.parameters(), options.LearningRate, eps: options.AdamEpsilon);
            var state = resume && PpoCheckpoint.Exists(run)
                ? PpoCheckpoint.Load(run, model, optimizer)
                : resume ? throw new UserErrorException($"cannot resume: '{run.Path}' has no checkpoint; start a new run instead")
                : new PpoProgressState(0, 0, 0, 0, []);
            var (completedState, fps, completed) = Loop(options, run, device, vec, shape, model, optimizer, state, progress, cancellation);
            return new PpoTrainingResult(model, shape, actions, completedState, fps, completed, network);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static (PpoProgressState State, double Fps, bool Completed) Loop(PpoOptions options, RunDirectory run, Device device, IVectorEnv vec,
        long[] shape, ActorCritic model, OptimizerHelper optimizer, PpoProgressState state, IProgress<ProgressInfo>? progress, CancellationToken cancellation)
    {
        int envs = options.NumEnvs, obsSize = vec.SingleObservationSpace.Size;
        int totalUpdates = options.Updates();
        long totalFrames = (long)totalUpdates * options.RolloutFrames();
        // Streams restart from the update count, so a resumed run draws fresh, reproducible numbers.
        long streamSeed = options.Seed + 1_000_003L * state.Updates;
        using var sampler = new Generator((ulong)streamSeed);
        using var shuffler = new Generator((ulong)(streamSeed + 1));
        var buffer = new RolloutBuffer(options.RolloutSteps, envs, obsSize);
        var current = new byte[envs * obsSize];
        var next = new byte[envs * obsSize];
        var stepActions = new int[envs];
        var rewards = new float[envs];
        var terminated = new bool[envs];
        var truncated = new bool[envs];
        vec.Reset(streamSeed % (uint.MaxValue - (long)envs), current);
        var recent = new Queue<double>(state.RecentReturns);
        long episodes = state.Episodes;
        string task = state.Frames > 0 ? $"ppo {options.Env} (resumed at {state.Frames} frames)" : $"ppo {options.Env}";
        using var metrics = new MetricsLogger(run);
        var clock = Stopwatch.StartNew();
        double startWall = state.WallTimeSeconds;
        long framesThisSession = 0;
        int update = state.Updates;
        // Progress counts this session's frames, so the rate and ETA shown are right after a resume too.
        long startFrames = state.Frames;
        progress?.Report(new ProgressInfo(task, 0, Math.Max(0, totalFrames - startFrames), "frames"));
        while (update < totalUpdates && !cancellation.IsCancellationRequested)
        {
            double lr = options.AnnealLearningRate ? options.LearningRate * (1.0 - (double)update / totalUpdates) : options.LearningRate;
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            var updateReturns = new List<double>();
            var updateLengths = new List<double>();
            model.eval();
            var phase = Stopwatch.StartNew();
            double actingSeconds = 0, envSeconds = 0;
            for (int t = 0; t < options.RolloutSteps; t++)
            {
                phase.Restart();
                current.CopyTo(buffer.ObservationsAt(t));
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    var (logits, values) = model.call(tensor(current, [envs, .. shape]).to(float32, device));
                    Tensor logProbs = logits.log_softmax(-1);
                    Tensor chosen = logProbs.exp().cpu().multinomial(1, generator: sampler);
                    Tensor chosenLogProbs = logProbs.cpu().gather(-1, chosen).squeeze(-1);
                    var a = chosen.squeeze(-1).data<long>();
                    for (int e = 0; e < envs; e++)
                    {
                        buffer.Actions[t * envs + e] = a[e];
                        stepActions[e] = (int)a[e];
                    }
                    chosenLogProbs.data<float>().CopyTo(buffer.LogProbs.AsSpan(t * envs, envs));
                    values.cpu().data<float>().CopyTo(buffer.Values.AsSpan(t * envs, envs));
                }
                actingSeconds += phase.Elapsed.TotalSeconds;
                phase.Restart();
                vec.Step(stepActions, next, rewards, terminated, truncated);
                envSeconds += phase.Elapsed.TotalSeconds;
                rewards.CopyTo(buffer.Rewards.AsSpan(t * envs, envs));
                terminated.CopyTo(buffer.Terminated.AsSpan(t * envs, envs));
                truncated.CopyTo(buffer.Truncated.AsSpan(t * envs, envs));
                for (int e = 0; e < envs; e++)
                {
                    if (!terminated[e] && !truncated[e]) continue;
                    if (vec.FinalInfo(e).Get(InfoKeys.EpisodeReturn) is double ret)
                    {
                        updateReturns.Add(ret);
                        updateLengths.Add(vec.FinalInfo(e).Get(InfoKeys.EpisodeLength) ?? double.NaN);
                        recent.Enqueue(ret);
                        if (recent.Count > 100) recent.Dequeue();
                        episodes++;
                    }
                    if (truncated[e] && !terminated[e]) buffer.TruncationValues[t * envs + e] = ValueOf(model, vec.FinalObservation(e), shape, device);
                }
                (current, next) = (next, current);
            }
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var (_, lastValues) = model.call(tensor(current, [envs, .. shape]).to(float32, device));
                lastValues.cpu().data<float>().CopyTo(buffer.LastValues);
            }
            buffer.ComputeAdvantages(options.Gamma, options.GaeLambda);

            model.train();
            phase.Restart();
            PpoUpdateStats stats;
            using (var rollout = buffer.ToTensors(shape, device))
            {
                stats = PpoUpdate.Run(model, optimizer, rollout, options, shuffler);
            }
            double updateSeconds = phase.Elapsed.TotalSeconds;
            update++;
            framesThisSession += options.RolloutFrames();
            double elapsed = clock.Elapsed.TotalSeconds;
            state = new PpoProgressState(update, state.Frames + options.RolloutFrames(), startWall + elapsed, episodes, [.. recent]);
            metrics.Log(state.Frames, new Dictionary<string, double>
            {
                ["update"] = update,
                ["episode_return"] = updateReturns.Count > 0 ? updateReturns.Average() : double.NaN,
                ["episode_return_100"] = recent.Count > 0 ? recent.Average() : double.NaN,
                ["episode_length"] = updateLengths.Count > 0 ? updateLengths.Average() : double.NaN,
                ["episodes"] = episodes,
                ["policy_loss"] = stats.PolicyLoss,
                ["value_loss"] = stats.ValueLoss,
                ["entropy"] = stats.Entropy,
                ["approx_kl"] = stats.ApproxKl,
                ["clip_fraction"] = stats.ClipFraction,
                ["explained_variance"] = stats.ExplainedVariance,
                ["learning_rate"] = lr,
                ["frames_per_second"] = framesThisSession / Math.Max(elapsed, 1e-9),
                ["wall_time"] = state.WallTimeSeconds,
                ["seconds_acting"] = actingSeconds,
                ["seconds_env"] = envSeconds,
                ["seconds_update"] = updateSeconds,
            });
            if (update % options.CheckpointEvery == 0 || update == totalUpdates) PpoCheckpoint.Save(run, model, optimizer, state);
            progress?.Report(new ProgressInfo(task, state.Frames - startFrames, totalFrames - startFrames, "frames"));
        }
        if (update < totalUpdates && update > 0) PpoCheckpoint.Save(run, model, optimizer, state);
        return (state, framesThisSession / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), update >= totalUpdates);
    }

    private static float ValueOf(ActorCritic model, ReadOnlySpan<byte> observation, long[] shape, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (_, value) = model.call(tensor(observation.ToArray(), [1, .. shape]).to(float32, device));
        return value.cpu().item<float>();
    }

    /// <summary>
    /// Makes one environment of <paramref name="env"/> and checks that <paramref name="network"/> fits its observations,
    /// so a wrong env id, option or observation shape is reported before a run directory is written.
    /// </summary>
    public static TeacherNetwork CheckEnv(string env, IEnumerable<string> envOptions, string network)
    {
        using var made = EnvRegistry.CreateDefault().Make(env, EnvOptionsFrom(envOptions));
        return TeacherNetwork.Resolve(network, env, made.ObservationSpace);
    }

    /// <summary>Checks the env of <paramref name="options"/> (see <see cref="CheckEnv(string, IEnumerable{string}, string)"/>).</summary>
    public static TeacherNetwork CheckEnv(PpoOptions options) => CheckEnv(options.Env, options.EnvOptions, options.Network);

    /// <summary>Parses <c>key=value</c> env options, turning format errors into user errors.</summary>
    public static EnvOptions EnvOptionsFrom(IEnumerable<string> pairs)
    {
        try
        {
            return EnvOptions.Parse(pairs);
        }
        catch (EnvException e)
        {
            throw new UserErrorException($"config env_options: {e.Message}");
        }
    }
}
