using SobolevRL.IO;
using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// Two writers of one dataset or run directory: the second gets one clear error naming the first's PID and command, and
/// the first finishes with nothing lost (before the lock, both wrote and a committed shard lost its arrays).
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class WriterLockTests
{
    [Fact]
    public void ASecondWriterInThisProcessIsRefusedWithThisPidAndTheLockIsFreeAfterDispose()
    {
        string dir = TempDir("lock");
        Directory.CreateDirectory(dir);
        try
        {
            using (FileLock.AcquireWriter(dir))
            {
                var e = Assert.Throws<UserErrorException>(() => FileLock.AcquireWriter(dir));
                Assert.Contains($"PID {Environment.ProcessId}:", e.Message);
                Assert.Throws<UserErrorException>(() => FileLock.ThrowIfWriterBusy(dir));
            }
            FileLock.ThrowIfWriterBusy(dir);
            using var again = FileLock.AcquireWriter(dir);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ASecondCollectResumeWhileOneRunsIsRefusedNamingTheHolderAndTheFirstCompletesIntact()
    {
        string dir = TempDir("collect");
        try
        {
            Ok(CliProcess.Run(Collect(dir, 64)));
            using (var first = CliProcess.Start(["collect", "--resume", "--out", dir, "--states", "100000", "--plain"]))
            {
                WaitForWriter(first, dir);
                foreach (string[] second in new[] { ["collect", "--resume", "--out", dir, "--label-shards", "2"], new[] { "collect", "--resume", "--out", dir, "--states", "200" } })
                {
                    string error = OneClearError(CliProcess.Run(second));
                    Assert.Contains($"PID {first.Id}: sobolevrl collect --resume", error);
                    Assert.Contains("being written by another process", error);
                }
                first.Kill();
                first.WaitForExit();
            }
            // The kernel released the killed holder's lock: the dataset resumes, and every committed shard is intact.
            var killed = DatasetReader.ReadManifest(dir);
            long target = killed.States + 100;
            Ok(CliProcess.Run("collect", "--resume", "--out", dir, "--states", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"));
            using var reader = DatasetReader.Open(dir);
            Assert.Empty(reader.Problems);
            Assert.Equal(target, reader.Rows);
            Assert.Equal(killed.Shards.Select(s => s.Sha256["frames.npy"]), reader.Manifest.Shards.Take(killed.Shards.Count).Select(s => s.Sha256["frames.npy"]));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ASecondDistillResumeWhileOneTrainsIsRefusedNamingTheHolder()
    {
        string dir = TempDir("distill");
        try
        {
            using (var first = CliProcess.Start(Distill(dir, steps: 1_000_000, checkpointEvery: 1000)))
            {
                WaitForWriter(first, dir);
                string error = OneClearError(CliProcess.Run(Distill(dir, steps: 1_000_000, checkpointEvery: 1000, "--resume")));
                Assert.Contains($"PID {first.Id}: sobolevrl distill", error);
                first.Kill();
                first.WaitForExit();
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
