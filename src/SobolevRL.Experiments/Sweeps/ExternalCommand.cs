using System.Diagnostics;

namespace SobolevRL.Sweeps;

/// <summary>Runs an external program to completion and captures its output.</summary>
public static class ExternalCommand
{
    /// <summary>True when <paramref name="program"/> is an executable file on PATH.</summary>
    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Runs <paramref name="program"/> with <paramref name="args"/>; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
