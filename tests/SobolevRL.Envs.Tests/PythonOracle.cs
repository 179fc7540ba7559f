using System.Diagnostics;

namespace SobolevRL.Envs.Tests;

/// <summary>Runs Debian's /usr/bin/python3 (with python3-numpy) as an independent oracle for tests.</summary>
public static class PythonOracle
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Null when python3 with numpy can run here, else the reason a test should skip with.</summary>
    public static string? MissingReason()
    {
        if (!File.Exists(Python)) return "needs Debian's python3 with numpy: apt-get install python3-numpy";
        var (code, _, _) = Run("import numpy");
        return code == 0 ? null : "needs numpy for /usr/bin/python3: apt-get install python3-numpy";
    }

    /// <summary>Runs a script and returns exit code, stdout, stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Run(string script, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add("-");
        using var process = Process.Start(psi)!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a script that must succeed and returns its stdout lines.</summary>
    public static string[] RunLines(string script)
    {
        var (code, stdout, stderr) = Run(script);
        if (code != 0) throw new InvalidOperationException($"python oracle failed ({code}): {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
