using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// Read-only and full file systems (real tmpfs mounts; skipped with the reason where mounting is not allowed): one clear
/// <c>error:</c> line with exit 2 instead of an internal error, no <c>.tmp</c> left behind, nothing committed lost.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class IoFailureTests
{
    [Fact]
    public void EveryWriterOnAReadOnlyFileSystemEndsWithOneClearErrorAndWritesNothing()
    {
        string mount = MountTmpfs("4m");
        string run = TempDir("ro-source-run");
        try
        {
            // What the resumes need, made while the file system is writable.
            Ok(CliProcess.Run(Collect(Path.Combine(mount, "data"), 64)));
            Ok(CliProcess.Run(Distill(Path.Combine(mount, "run"), steps: 10, checkpointEvery: 5)));
            Ok(CliProcess.Run(Distill(run, steps: 5, checkpointEvery: 5)));
            var before = DatasetReader.ReadManifest(Path.Combine(mount, "data"));
            Remount(mount, "ro");

            var cases = new Dictionary<string, string[]>
            {
                ["collect new"] = Collect(Path.Combine(mount, "new-data"), 64),
                ["collect --resume"] = ["collect", "--resume", "--out", Path.Combine(mount, "data"), "--states", "200"],
                ["distill new"] = Distill(Path.Combine(mount, "new-run")),
                ["distill --resume"] = Distill(Path.Combine(mount, "run"), 10, 5, "--resume"),
                ["report"] = ["report", run, "--out", Path.Combine(mount, "report")],
            };
            foreach (var (name, args) in cases)
            {
                var r = CliProcess.Run(args);
                Assert.True(r.Code == 2 && r.Stderr.Contains("read-only file system", StringComparison.Ordinal), $"{name}: exit {r.Code}; {r.Stderr}");
                OneClearError(r);
            }
            Assert.Equal(before.States, DatasetReader.ReadManifest(Path.Combine(mount, "data")).States);
            Assert.Empty(Leftovers(mount));
        }
        finally
        {
            Unmount(mount);
            if (Directory.Exists(run)) Directory.Delete(run, true);
        }
    }

    [Fact]
    public void ADiskFullAtADistillCheckpointIsOneClearErrorLeavesNoTmpAndResumesToTheSameWeights()
    {
        string whole = TempDir("enospc-whole");
        string mount = "";
        try
        {
            // A wide student, so the checkpoint dwarfs the run's small files and the tmpfs size below falls between them.
            string[] Wide(params string[] args) => [.. args.Select(a => a == "minatar:4,32" ? "minatar:16,128" : a)];
            Ok(CliProcess.Run(Wide(Distill(whole, steps: 20, checkpointEvery: 10))));
            long checkpoint = new FileInfo(Path.Combine(whole, Checkpoint.FileName)).Length;
            // Room for the first checkpoint and the small files, not for the second checkpoint's temporary beside it.
            mount = MountTmpfs($"{(checkpoint * 3 / 2 + (96 << 10)) / 1024}k");
            string run = Path.Combine(mount, "run");
            string error = OneClearError(CliProcess.Run(Wide(Distill(run, steps: 20, checkpointEvery: 10))));
            Assert.Contains("no space left", error);
            Assert.Empty(Leftovers(run));
            Assert.True(File.Exists(Path.Combine(run, Checkpoint.FileName)), "the first checkpoint should have fitted; raise the tmpfs size");

            Remount(mount, "size=16m");
            Ok(CliProcess.Run(Wide(Distill(run, 20, 10, "--resume"))));
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(run, Checkpoint.FileName)));
        }
        finally
        {
            if (mount.Length > 0) Unmount(mount);
            if (Directory.Exists(whole)) Directory.Delete(whole, true);
        }
    }
}
