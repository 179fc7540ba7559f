using SobolevRL.IO;
using System.Diagnostics;
using SobolevRL.Sweeps;

namespace SobolevRL.Tests.Sweeps;

/// <summary>The dataset lock and the content-addressed store, exercised with real processes.</summary>
public class SharedDatasetTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    private static Process Start(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static int RunToEnd(string program, params string[] args)
    {
        using var p = Start(program, args);
        p.WaitForExit();
        return p.ExitCode;
    }

    [Fact]
    public void LockIsExclusiveAcrossProcessesAndDiesWithAKilledHolder()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/flock"), "needs util-linux flock(1) at /usr/bin/flock (apt-get install util-linux)");
        string file = Path.Combine(_dir, "x.lock");

        using (var held = FileLock.TryAcquire(file))
        {
            Assert.NotNull(held);
            Assert.Equal(1, RunToEnd("/usr/bin/flock", "-n", "-E", "1", file, "true")); // another process cannot take it
            Assert.Null(FileLock.TryAcquire(file)); // nor another descriptor of this process
            Assert.True(FileLock.IsHeld(file));
        }
        Assert.Equal(0, RunToEnd("/usr/bin/flock", "-n", "-E", "1", file, "true"));

        using var holder = Start("/usr/bin/flock", file, "sleep", "60");
        var clock = Stopwatch.StartNew();
        while (!FileLock.IsHeld(file) && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        Assert.True(FileLock.IsHeld(file), "flock(1) did not take the lock");
        Assert.Null(FileLock.TryAcquire(file));
        holder.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
        holder.WaitForExit();
        using var after = FileLock.Acquire(file, TimeSpan.FromMilliseconds(20), new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        Assert.NotNull(after);
    }

    [Fact]
    public void ConcurrentRunsProduceADatasetOnceAndAllGetIt()
    {
        var store = new DatasetStore(Path.Combine(_dir, "datasets"));
        string journal = Path.Combine(_dir, "journal.txt");
        // The producer is a real process that journals its start and end and takes a while, as a collector would.
        int Produce(string dir, bool resume) => RunToEnd("/bin/sh", "-c",
            "echo start >> \"$1\"; sleep 0.5; mkdir -p \"$2\" && echo data > \"$2/x\"; echo end >> \"$1\"", "sh", journal, dir);
        var results = new string[4];
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() => results[i] = store.Ensure("abc123", "test data", Produce, cancel: TestContext.Current.CancellationToken))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(["start", "end"], File.ReadAllLines(journal));
        Assert.All(results, r => Assert.Equal(store.DirectoryOf("abc123"), r));
        Assert.True(store.IsComplete("abc123"));
        Assert.Equal("data", File.ReadAllText(Path.Combine(results[0], "x")).Trim());
    }

    [Fact]
    public void AFailedProductionFailsTheRunAndTheNextOneResumesThePartialDirectory()
    {
        var store = new DatasetStore(Path.Combine(_dir, "datasets"));
        var e = Assert.Throws<DatasetProductionException>(() => store.Ensure("h1", "test data", (dir, resume) =>
        {
            Assert.False(resume);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "shard-0"), "partial");
            return 137;
        }, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("exit code 137", e.Message);
        Assert.False(store.IsComplete("h1"));
        bool resumed = false;
        store.Ensure("h1", "test data", (dir, resume) => { resumed = resume; return 0; }, cancel: TestContext.Current.CancellationToken);
        Assert.True(resumed);
        Assert.True(store.IsComplete("h1"));
        store.Ensure("h1", "test data", (_, _) => throw new InvalidOperationException("a complete dataset must not be produced again"), cancel: TestContext.Current.CancellationToken);
    }
}
