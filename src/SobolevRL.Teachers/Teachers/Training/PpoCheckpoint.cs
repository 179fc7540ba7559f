using SobolevRL.IO;
using System.Text.Json;
using SobolevRL.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Teachers.Training;

/// <summary>Where a PPO run stands, saved with its checkpoint.</summary>
/// <param name="Updates">Updates completed.</param>
/// <param name="Frames">Environment frames consumed.</param>
/// <param name="WallTimeSeconds">Training wall time so far, over every session of the run.</param>
/// <param name="Episodes">Training episodes finished.</param>
/// <param name="RecentReturns">Returns of the last (up to 100) training episodes.</param>
public sealed record PpoProgressState(int Updates, long Frames, double WallTimeSeconds, long Episodes, double[] RecentReturns);

/// <summary>
/// The resumable state of a PPO run in <c>checkpoint/</c> of its run directory: network weights, Adam state and
/// <see cref="PpoProgressState"/>. Written to a temporary directory first and swapped in, so a run killed while
/// saving keeps the previous checkpoint.
/// It stays a format of its own beside the distillation's <c>Distillation/Checkpoint</c> (one checksummed file): a PPO
/// resume restarts the envs and random streams from seeds (it is reproducible, not bit-identical), so there is no
/// generator or sampler state to carry, and its human-readable <c>state.json</c> is what the model card's training
/// record and <c>teacher train --resume</c>'s frame budget read; existing teacher runs keep resuming.
/// </summary>
public static class PpoCheckpoint
{
    /// <summary>Name of the checkpoint directory inside the run.</summary>
    public const string DirectoryName = "checkpoint";

    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";

    /// <summary>True when <paramref name="run"/> holds a complete checkpoint.</summary>
    public static bool Exists(RunDirectory run) => File.Exists(Path.Combine(run.File(DirectoryName), StateFile));

    /// <summary>Saves the model, optimizer and progress.</summary>
    public static void Save(RunDirectory run, ActorCritic model, OptimizerHelper optimizer, PpoProgressState state) =>
        SaveWith(run, state, dir =>
        {
            model.save(Path.Combine(dir, ModelFile));
            optimizer.save_state_dict(Path.Combine(dir, OptimizerFile));
        });

    /// <summary>
    /// Writes a checkpoint: <paramref name="write"/> fills a temporary directory with the trainer's files, the progress
    /// goes beside them, and the directory is swapped in for the previous checkpoint (used by PPO and DQN).
    /// </summary>
    public static void SaveWith(RunDirectory run, PpoProgressState state, Action<string> write)
    {
        string final = run.File(DirectoryName);
        string temp = final + AtomicFile.TempSuffix;
        string old = final + ".old";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        write(temp);
        File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, Json.Options));
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(temp, final);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>Loads a checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>; returns the progress.</summary>
    public static PpoProgressState Load(RunDirectory run, ActorCritic model, OptimizerHelper optimizer) =>
        LoadWith(run, dir =>
        {
            model.load(Path.Combine(dir, ModelFile));
            optimizer.load_state_dict(Path.Combine(dir, OptimizerFile));
        });

    /// <summary>
    /// Reads a checkpoint written by <see cref="SaveWith"/>: <paramref name="read"/> loads the trainer's files from its
    /// directory; returns the progress. A missing, mismatched or damaged checkpoint is a <see cref="UserErrorException"/>.
    /// </summary>
    public static PpoProgressState LoadWith(RunDirectory run, Action<string> read)
    {
        string dir = run.File(DirectoryName);
        // A run killed between the two moves of Save left only the previous checkpoint, as checkpoint.old.
        if (!File.Exists(Path.Combine(dir, StateFile)) && Directory.Exists(dir + ".old")) Directory.Move(dir + ".old", dir);
        string statePath = Path.Combine(dir, StateFile);
        if (!File.Exists(statePath)) throw new UserErrorException($"cannot resume: '{run.Path}' has no checkpoint ({DirectoryName}/{StateFile}); start a new run instead");
        try
        {
            read(dir);
            return JsonSerializer.Deserialize<PpoProgressState>(File.ReadAllText(statePath), Json.Options)
                ?? throw new JsonException("empty state");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or IOException or InvalidDataException)
        {
            throw new UserErrorException($"cannot resume from '{dir}': {e.Message}; the checkpoint does not match this config or is damaged");
        }
    }
}
