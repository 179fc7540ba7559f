using System.Diagnostics;

namespace SobolevRL.Tests.Cli;

/// <summary>Runs the real CLI executable (built next to the tests) as a separate process.</summary>
public static class CliProcess
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "SobolevRL.Cli");

    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => RunIn(null, args);

    public static (int Code, string Stdout, string Stderr) RunIn(string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
