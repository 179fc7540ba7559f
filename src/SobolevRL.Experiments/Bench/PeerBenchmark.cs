using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SobolevRL.Bench;

/// <summary>Runs the PyTorch peer script (torch_sobolev_bench.py) with Debian's /usr/bin/python3 and reads its JSON.</summary>
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

    /// <summary>The default peer script: <c>../shared/peers/torch_sobolev_bench.py</c> from the repository root.</summary>
    public static string DefaultScript()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SobolevRL.sln")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "peers", "torch_sobolev_bench.py"));
            }
        }
        return Path.GetFullPath(Path.Combine("..", "shared", "peers", "torch_sobolev_bench.py"));
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
