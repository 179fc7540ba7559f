using System.Diagnostics;

namespace SobolevRL.Tests.IO;

/// <summary>Runs Debian's /usr/bin/python3 (numpy; torch for some tests) as an independent oracle.</summary>
public static class Python
{
    public const string Executable = "/usr/bin/python3";

    /// <summary>Null when /usr/bin/python3 can import <paramref name="module"/>, else the reason to skip with.</summary>
    public static string? MissingReason(string module = "numpy")
    {
        if (!File.Exists(Executable)) return $"needs Debian's /usr/bin/python3 with {module}";
        return Run($"import {module}").Code == 0 ? null : $"needs {module} for /usr/bin/python3 (apt-get install python3-{module})";
    }

    public static (int Code, string Stdout, string Stderr) Run(string script)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
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

    /// <summary>Runs a script that must succeed; returns its stdout.</summary>
    public static string Check(string script)
    {
        var (code, stdout, stderr) = Run(script);
        if (code != 0) throw new InvalidOperationException($"python failed ({code}): {stderr}");
        return stdout;
    }
}
