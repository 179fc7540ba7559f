using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SobolevRL.Bench;

/// <summary>Runs a PyTorch peer script (by default the project's own, <see cref="ScriptInRepository"/>) with Debian's /usr/bin/python3 and reads its JSON.</summary>
public static class PeerBenchmark
{
    /// <summary>The Python the peer runs with (Debian's, which has python3-torch).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>True when <see cref="Python"/> exists and imports torch.</summary>
    public static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        var (code, _, _) = RunProcess(["-c", "import torch"]);
        return code == 0;
    }

    /// <summary>Path of the project's own PyTorch reference script inside the repository.</summary>
    public const string ScriptInRepository = "tests/benchmarks/peer/torch_reference.py";

    /// <summary>
    /// The project's PyTorch reference script (<see cref="ScriptInRepository"/>) found above the working directory or
    /// the executable, or null when neither is inside a clone of the repository.
    /// </summary>
    public static string? DefaultScript()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string script = Path.Combine(dir.FullName, ScriptInRepository);
                if (File.Exists(Path.Combine(dir.FullName, "SobolevRL.sln")) && File.Exists(script)) return script;
            }
        }
        return null;
    }

    /// <summary>Runs the peer on <paramref name="workload"/> and returns its JSON result.</summary>
    public static JsonElement Run(string script, string workload, double seconds, int threads)
    {
        if (!File.Exists(script)) throw new UserErrorException($"peer script '{script}' not found; pass `peer_script` or `no_peer`");
        var (code, stdout, stderr) = RunProcess([script, "--workload", workload, "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture)]);
        if (code != 0) throw new UserErrorException($"peer script '{script}' failed (exit {code}): {stderr.Trim().Split('\n').LastOrDefault()}");
        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new UserErrorException($"peer script '{script}' printed no JSON result: '{line}'");
        }
    }

    static (int Code, string Stdout, string Stderr) RunProcess(string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        // The peer runs under the same OpenMP wait policy as this process, so the comparison is like for like.
        if (Environment.GetEnvironmentVariable(Hardware.ThreadWaitPolicy.Variable) is { Length: > 0 } policy)
            psi.Environment[Hardware.ThreadWaitPolicy.Variable] = policy;
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
