using System.Diagnostics;
using System.Globalization;
using SobolevRL.IO;

namespace SobolevRL.Tests.Reliability;

/// <summary>Commands and checks shared by the reliability tests, which run the real CLI as separate processes.</summary>
internal static class ReliabilityCli
{
    public const string Env = "MinAtar/SpaceInvaders-v1";

    /// <summary>A small in-memory data source of distill (deterministic: the same states in every process).</summary>
    public const string Smoke = "smoke:MinAtar/Breakout-v1,200,full";

    public static string Teacher => RepoFile("agents/minatar/spaceinvaders/policy.onnx");

    public static string TempDir(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-reliability", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        return dir;
    }

    /// <summary>A <c>collect</c> of <paramref name="states"/> states in shards of <paramref name="shardStates"/>, bit-reproducible (full float32 labels).</summary>
    public static string[] Collect(string dir, long states, int shardStates = 64, params string[] extra) =>
        ["collect", "--env", Env, "--teacher", Teacher, "--labels", "full", "--grad-dtype", "float32", "--envs", "4", "--seed", "5",
         "--heldout-fraction", "0.25", "--shard-states", shardStates.ToString(CultureInfo.InvariantCulture),
         "--states", states.ToString(CultureInfo.InvariantCulture), "--out", dir, "--plain", "--json", .. extra];

    /// <summary>A short <c>distill</c> on <see cref="Smoke"/> data with a checkpoint every <paramref name="checkpointEvery"/> steps.</summary>
    public static string[] Distill(string dir, long steps = 20, long checkpointEvery = 10, params string[] extra) =>
        ["distill", "--data", Smoke, "--student", "minatar:4,32", "--out", dir, "--threads", "1",
         "--set", $"optim.steps={steps}", "--set", "optim.batch_size=16", "--set", $"logging.checkpoint_every={checkpointEvery}",
         "--set", "logging.eval_every=0", "--set", "logging.metrics_every=5", "--set", "logging.held_out_states=64", "--json", .. extra];

    public static void Ok((int Code, string Stdout, string Stderr) r) => Assert.True(r.Code == 0, $"exit {r.Code}; stderr: {r.Stderr}");

    /// <summary>Asserts one clear error: exit 2, one <c>error:</c> line, no stack trace, no internal error; returns the line.</summary>
    public static string OneClearError((int Code, string Stdout, string Stderr) r)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}; stdout: {r.Stdout}; stderr: {r.Stderr}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"expected one error line: {r.Stderr}");
        Assert.DoesNotContain("internal error", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        return lines[0];
    }

    /// <summary>Waits until <paramref name="p"/> holds the writer lock of <paramref name="dir"/> (its record is written).</summary>
    public static void WaitForWriter(Process p, string dir)
    {
        // Only the record is read: probing the lock itself could take it for a moment and make the writer fail.
        var clock = Stopwatch.StartNew();
        while (!(Directory.Exists(dir) && FileLock.WriterRecord(dir).StartsWith($"PID {p.Id}:", StringComparison.Ordinal)))
        {
            Assert.False(p.HasExited, "the first writer exited before it was seen holding the lock");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the first writer did not take the lock within 2 minutes");
            Thread.Sleep(10);
        }
    }

    /// <summary>Files of <paramref name="dir"/> (recursively) whose name ends in <c>.tmp</c>.</summary>
    public static string[] Leftovers(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories).ToArray() : [];

    /// <summary>Runs a system command (mount, umount); returns its exit code and error output.</summary>
    public static (int Code, string Stderr) System(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        catch (global::System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>
    /// Mounts a tmpfs of <paramref name="size"/> at a new directory (read-only when <paramref name="readOnly"/>), or skips
    /// the test with the reason: mounting needs root or CAP_SYS_ADMIN, and a read-only mount is the only way to refuse
    /// writes to root (chmod does not).
    /// </summary>
    public static string MountTmpfs(string size, bool readOnly = false)
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("needs a Linux tmpfs mount");
        string dir = TempDir("mount");
        Directory.CreateDirectory(dir);
        var (code, err) = System("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir);
        if (code != 0) Assert.Skip($"needs permission to mount a tmpfs (root or CAP_SYS_ADMIN): mount said {err.Trim()}");
        if (readOnly) Remount(dir, "ro");
        return dir;
    }

    public static void Remount(string dir, string options) => Assert.Equal(0, System("mount", "-o", "remount," + options, dir).Code);

    public static void Unmount(string dir) => System("umount", "-l", dir);
}
