using SobolevRL.Config;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>The config of a resumable experiment: saved in its directory on the first run, reused and checked on <c>--resume</c>.</summary>
public static class ResumeConfig
{
    /// <summary>The config file to load: the given one, or on resume the directory's saved <c>config.yaml</c>.</summary>
    public static string? File(string? given, string? outDir, bool resume)
    {
        if (!resume) return given;
        if (outDir is null) throw new UserErrorException("--resume needs --out naming the directory to continue");
        string saved = Path.Combine(outDir, RunDirectory.ConfigFile);
        return given ?? (System.IO.File.Exists(saved) ? saved : null);
    }

    /// <summary>Saves <paramref name="options"/> in a new run; on resume refuses a config that differs from the saved one.</summary>
    public static void SaveOrCheck<T>(T options, RunDirectory run, bool resume) where T : notnull
    {
        string path = run.File(RunDirectory.ConfigFile);
        string yaml = ConfigLoader.ToYaml(options);
        if (resume && System.IO.File.Exists(path))
        {
            ConfigLoader.CheckUnchanged(path, yaml);
            return;
        }
        RunDirectory.WriteAtomic(path, yaml);
    }
}
