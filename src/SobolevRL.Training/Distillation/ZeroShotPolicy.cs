using SobolevRL.Policies;
using SobolevRL.Runs;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// A finished multi-game run with a shared head, played zero-shot on an environment it was not trained on: the torso,
/// the shared head and the gather of the environment's actions (<see cref="MultiGameStudent.ZeroShot"/>), as a
/// differentiable policy and as an ONNX file with its card in a temporary directory deleted on dispose.
/// </summary>
public sealed class ZeroShotPolicy : IDisposable
{
    private readonly MultiGameStudent _student;
    private readonly string _directory;

    private ZeroShotPolicy(MultiGameStudent student, ModulePolicy policy, string directory, string onnxPath)
    {
        _student = student;
        Policy = policy;
        _directory = directory;
        OnnxPath = onnxPath;
    }

    /// <summary>The differentiable policy (it shares the run's student; disposed with this object).</summary>
    public ModulePolicy Policy { get; }

    /// <summary>The exported policy (with its card).</summary>
    public string OnnxPath { get; }

    /// <summary>
    /// Opens run <paramref name="runDir"/>'s shared head for environment <paramref name="env"/>. Refused (a
    /// <see cref="UserErrorException"/>) for a run with one head per game or with per-game input adapters, and for an
    /// environment whose actions are not in the head's action set or whose observations the torso does not take.
    /// </summary>
    public static ZeroShotPolicy Open(string runDir, string env, Device device)
    {
        var summary = MultiGameStudent.Summary(runDir);
        var trained = summary.Games[0];
        if (summary.Head != "shared") Check(env, runDir, HeadLayout.Separate, trained.Env, 0, false, []);
        var student = MultiGameStudent.Load(runDir, device);
        string? directory = null;
        try
        {
            var map = Check(env, runDir, HeadLayout.Shared, trained.Env, trained.HeadMap().FullActions, student.Network.Adapters.Count > 0, student.TorsoShape);
            var policy = student.ZeroShot(map);
            directory = Directory.CreateTempSubdirectory("sobolevrl-zero-shot-").FullName;
            string path = Path.Combine(directory, DistillTrainer.OnnxFile);
            StudentExport.ExportZeroShot(policy, env, runDir, path);
            return new ZeroShotPolicy(student, policy, directory, path);
        }
        catch
        {
            student.Dispose();
            if (directory is not null) Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// The checks of zero-shot play of environment <paramref name="env"/> by the student of <paramref name="source"/> (a
    /// run, finished or about to train), each a <see cref="UserErrorException"/>: a shared head (<paramref name="head"/>),
    /// the environment's actions in the head's action set (that of <paramref name="trainedEnv"/>, a training game's,
    /// <paramref name="headActions"/> outputs), no per-game input adapters, and observations of the torso's
    /// <paramref name="torsoShape"/>. Returns the environment's actions in the head's outputs.
    /// </summary>
    public static ActionMap Check(string env, string source, HeadLayout head, string trainedEnv, int headActions, bool adapters, long[] torsoShape)
    {
        if (head != HeadLayout.Shared)
            throw new UserErrorException($"zero-shot play of {env} needs a shared head, but {source} has one head per game; train with {Key("games.head")} shared");
        ActionMap map;
        long observationSize;
        using (var made = ActionMap.Make(env))
        {
            map = ActionMap.Of(made);
            observationSize = made.ObservationSpace.Size;
        }
        string headSet = ActionMap.Of(trainedEnv).Set;
        if (map.Set != headSet || map.FullActions != headActions)
            throw new UserErrorException(
                $"{env} acts in {map.Set}, which is not a subset of the shared head's actions of {source} ({headSet}); play an environment of the training games' family");
        if (adapters)
            throw new UserErrorException($"zero-shot play of {env}: {source} has per-game input adapters ({Key("games.adapter")}) and none for {env}; train without adapters on games of one observation shape");
        if (torsoShape.Aggregate(1L, (a, d) => a * d) != observationSize)
            throw new UserErrorException(
                $"zero-shot play of {env}: its observations have {observationSize} values, the torso of {source} takes [{string.Join(", ", torsoShape)}]; play a game of the training games' observation shape");
        return map;
    }

    /// <summary>
    /// Refuses (a <see cref="UserErrorException"/> naming config key <paramref name="key"/>) a held-out
    /// <paramref name="game"/> that is one of <paramref name="trained"/>, the training games of <paramref name="source"/>.
    /// </summary>
    public static void CheckHeldOut(string key, string game, IEnumerable<string> trained, string source)
    {
        if (trained.Any(g => string.Equals(g, game, StringComparison.OrdinalIgnoreCase)))
            throw new UserErrorException($"{Key(key)}: game '{game}' is also a training game of {source}; a held-out game must be one the student never saw: drop it from {Key(key)}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _student.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
