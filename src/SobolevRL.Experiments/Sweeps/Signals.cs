using System.Runtime.InteropServices;

namespace SobolevRL.Sweeps;

/// <summary>Sends POSIX signals to child processes (.NET only offers SIGKILL through <c>Process.Kill</c>).</summary>
internal static partial class Signals
{
    /// <summary>SIGTERM: asks a run to stop; it resumes later from its last checkpoint. (SIGINT may be ignored by children of background shells.)</summary>
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; false when it is gone.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
