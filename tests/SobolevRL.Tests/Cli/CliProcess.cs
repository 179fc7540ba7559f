using System.Diagnostics;

namespace SobolevRL.Tests.Cli;

/// <summary>Runs the real CLI executable (built next to the tests) as a separate process.</summary>
public static class CliProcess
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "SobolevRL.Cli");

    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => RunIn(null, args);

    public static (int Code, string Stdout, string Stderr) RunIn(string? workingDirectory, params string[] args) => RunWith(workingDirectory, null, args);

    /// <summary>Runs the CLI with extra environment variables (e.g. the kill-point hook).</summary>
    public static (int Code, string Stdout, string Stderr) RunWith(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI and leaves it running (output drained), for tests that race or kill it.</summary>
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }
}
