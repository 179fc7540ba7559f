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
        if (summary.Head != "shared")
            throw new UserErrorException($"zero-shot play of {env} needs a shared head, but {runDir} has one head per game; train with {Key("games.head")} shared");
        var trained = summary.Games[0];
        var head = trained.HeadMap();
        ActionMap map;
        long observationSize;
        using (var made = ActionMap.Make(env))
        {
            map = ActionMap.Of(made);
            observationSize = made.ObservationSpace.Size;
        }
        string headSet = ActionMap.Of(trained.Env).Set;
        if (map.Set != headSet || map.FullActions != head.FullActions)
            throw new UserErrorException(
                $"{env} acts in {map.Set}, which is not a subset of the shared head's actions of {runDir} ({headSet}); play an environment of the training games' family");
        var student = MultiGameStudent.Load(runDir, device);
        string? directory = null;
        try
        {
            if (student.Network.Adapters.Count > 0)
                throw new UserErrorException($"zero-shot play of {env}: {runDir} has per-game input adapters ({Key("games.adapter")}) and none for {env}; train without adapters on games of one observation shape");
            if (student.TorsoShape.Aggregate(1L, (a, d) => a * d) != observationSize)
                throw new UserErrorException(
                    $"zero-shot play of {env}: its observations have {observationSize} values, the torso of {runDir} takes [{string.Join(", ", student.TorsoShape)}]; play a game of the training games' observation shape");
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

    /// <inheritdoc />
    public void Dispose()
    {
        _student.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
