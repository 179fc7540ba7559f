using System.Diagnostics;
using SobolevRL.Sweeps;

namespace SobolevRL.Tests.Sweeps;

/// <summary>Temp folders, sweep files and CLI processes for the sweep tests.</summary>
public static class SweepFixtures
{
    /// <summary>Base keys of a distillation that takes about a second: tiny student, few steps, no snapshot evaluations.</summary>
    public const string TinyBase = """
        base:
          student: minatar:4,16
          optim: {steps: 20, batch_size: 16}
          logging: {checkpoint_every: 10, eval_every: 0, metrics_every: 10, held_out_states: 32}
        """;

    /// <summary>Why the Slurm tests cannot run here (no sbatch, or no cluster with an available node), or null when they can.</summary>
    public static string? MissingSlurmCluster()
    {
        const string how = "run 'eval \"$(tests/slurm/start-cluster.sh)\"' as root (.ci/run does) or export SLURM_CONF of a cluster";
        if (!ExternalCommand.OnPath("sbatch")) return "needs Slurm's sbatch on PATH (apt-get install slurm-wlm munge); " + how;
        var (code, stdout, _) = ExternalCommand.Run("sinfo", "-h", "-o", "%t");
        return code == 0 && stdout.Split('\n').Any(s => s.Trim() is "idle" or "mix" or "alloc") ? null : "needs a running Slurm cluster with an available node; " + how;
    }

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-sweep-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Writes <paramref name="yaml"/> as <c>NAME.yaml</c> in <paramref name="dir"/> and returns its path.</summary>
    public static string Write(string dir, string name, string yaml)
    {
        string path = Path.Combine(dir, name + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Runs the CLI with <paramref name="args"/> and extra environment variables.</summary>
    public static (int Code, string Stdout, string Stderr) Cli(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(CliProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the CLI with <c>--json</c> appended; asserts the exit code and parses stdout.</summary>
    public static JsonElement CliJson(int expectedCode, params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run([.. args, "--json"]);
        Assert.True(code == expectedCode, $"exit code {code}, expected {expectedCode}\nstderr: {stderr}\nstdout: {stdout}");
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }

    /// <summary>States of the runs from <c>sweep status DIR --json</c>, by run id.</summary>
    public static Dictionary<string, string> States(string sweepDir)
    {
        var json = CliJson(0, "sweep", "status", sweepDir);
        return json.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("state").GetString()!);
    }
}
