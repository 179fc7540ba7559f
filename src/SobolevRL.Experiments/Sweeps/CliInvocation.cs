using System.Diagnostics;
using System.Reflection;

namespace SobolevRL.Sweeps;

/// <summary>How to start this program's CLI again as a child process (apphost, or <c>dotnet CLI.dll</c>).</summary>
/// <param name="Command">The CLI command line before its arguments.</param>
public sealed record CliInvocation(IReadOnlyList<string> Command)
{
    /// <summary>The invocation of the running CLI.</summary>
    public static CliInvocation Current()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        if (!Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return new([process]);
        string dll = Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly");
        return new([process, dll]);
    }

    /// <summary>A process start info running the CLI with <paramref name="args"/>.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Command[0]) { UseShellExecute = false };
        foreach (string a in Command.Skip(1).Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The arguments of a run task of run <paramref name="id"/> in sweep <paramref name="sweepDir"/>.</summary>
    public static string[] TaskArgs(string sweepDir, string id, int threads, string device) =>
        ["sweep", "run-task", sweepDir, id, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", device];
}
