using SobolevRL.Config;

namespace SobolevRL.Runs;

/// <summary>
/// The config of a resumable run (distillation, experiment, teacher training): saved in its directory on the first
/// start, the base config on resume (the one implementation of both).
/// </summary>
public static class ResumeConfig
{
    /// <summary>The config file to load: the given one, or on resume the directory's saved <c>config.yaml</c>.</summary>
    public static string? File(string? given, string? outDir, bool resume)
    {
        if (!resume) return given;
        if (outDir is null) throw new UserErrorException($"{UserErrorException.Key("resume")} needs {UserErrorException.Key("out")} naming the directory to continue");
        string saved = Path.Combine(outDir, RunDirectory.ConfigFile);
        return given ?? (System.IO.File.Exists(saved) ? saved : null);
    }

    /// <summary>
    /// Saves <paramref name="options"/> in a new run; on resume refuses a config that differs from the saved one (a
    /// resumed run must end as the uninterrupted one would). With <paramref name="savedRequired"/> a resumed run
    /// without a saved config is refused (it is not a run of this kind); otherwise the config is saved then.
    /// </summary>
    public static void SaveOrCheck<T>(T options, RunDirectory run, bool resume, bool savedRequired = false) where T : notnull, new()
    {
        string path = run.File(RunDirectory.ConfigFile);
        string yaml = ConfigLoader.ToYaml(options);
        if (resume && System.IO.File.Exists(path))
        {
            // Compared after reading it back, so a file saved in an older spelling (e.g. PascalCase enum values) or
            // without keys added since (at their defaults) still resumes; a real change is refused naming its keys.
            if (ConfigLoader.Canonical<T>(path) != yaml) ConfigLoader.CheckUnchanged(path, yaml);
            return;
        }
        if (resume && savedRequired) throw new UserErrorException($"cannot resume: '{path}' is missing: the directory is not a run of this kind, or one killed before it saved its config; start a new run with another {UserErrorException.Key("out")}");
        RunDirectory.WriteAtomic(path, yaml);
    }
}
