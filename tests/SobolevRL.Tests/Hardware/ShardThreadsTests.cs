using SobolevRL.Hardware;

namespace SobolevRL.Tests.Hardware;

[Collection(TorchGlobalState.Name)]
public class ShardThreadsTests
{
    [Fact]
    public void RunsEveryShardOnceAtOnceEachOnItsOwnThreadWithOneLibtorchThread()
    {
        torch.set_num_threads(2);
        using var shards = new ShardThreads(3);
        var threadIds = new int[3];
        var libtorchThreads = new int[3];
        var calls = new int[3];
        using var allStarted = new CountdownEvent(3);
        shards.Run(s =>
        {
            Interlocked.Increment(ref calls[s]);
            threadIds[s] = Environment.CurrentManagedThreadId;
            libtorchThreads[s] = torch.get_num_threads();
            allStarted.Signal();
            Assert.True(allStarted.Wait(TimeSpan.FromSeconds(30)), "the shards did not run at the same time");
        });
        Assert.Equal([1, 1, 1], calls);
        Assert.Equal(Environment.CurrentManagedThreadId, threadIds[0]);
        Assert.Equal(3, threadIds.Distinct().Count());
        Assert.Equal([1, 1, 1], libtorchThreads);
    }

    [Fact]
    public void AThreadKeepsTheLibtorchThreadCountItStartedWithSoOnOneThreadPinsItForTheWorkAndGivesItBack()
    {
        // The premise: a thread that used libtorch while the process ran two intra-op threads keeps two after the main
        // thread sets one (what a pool thread does in a side-by-side experiment; seen in CI as a 9th-digit difference).
        int previous = torch.get_num_threads();
        torch.set_num_threads(2);
        int before = 0, during = 0, after = 0;
        using var warmed = new ManualResetEventSlim();
        using var mainSetOne = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            _ = torch.get_num_threads(); // libtorch sets a thread's count from the process's at the thread's first use
            warmed.Set();
            mainSetOne.Wait(TestContext.Current.CancellationToken);
            before = torch.get_num_threads();
            during = ShardThreads.OnOneThread(torch.get_num_threads);
            after = torch.get_num_threads();
        });
        try
        {
            worker.Start();
            warmed.Wait(TestContext.Current.CancellationToken);
            torch.set_num_threads(1);
            mainSetOne.Set();
            worker.Join();
        }
        finally
        {
            torch.set_num_threads(previous);
        }
        Assert.Equal((2, 1, 2), (before, during, after));
    }

    [Fact]
    public void RethrowsTheLowestFailingShardsExceptionAfterEveryShardFinished()
    {
        using var shards = new ShardThreads(3);
        bool ownerFinished = false;
        var error = Assert.Throws<InvalidDataException>(() => shards.Run(s =>
        {
            if (s == 0)
            {
                Thread.Sleep(100);
                ownerFinished = true;
            }
            else if (s == 1) throw new InvalidDataException("shard 1");
            else throw new ArgumentException("shard 2");
        }));
        Assert.Equal("shard 1", error.Message);
        Assert.True(ownerFinished);
        int runs = 0;
        shards.Run(_ => Interlocked.Increment(ref runs));
        Assert.Equal(3, runs);
    }

    [Fact]
    public void TheOwnerRunsSingleThreadedUntilDisposedThenGetsItsThreadCountBack()
    {
        torch.set_num_threads(2);
        var shards = new ShardThreads(2);
        Assert.Equal(1, torch.get_num_threads());
        shards.Dispose();
        Assert.Equal(2, torch.get_num_threads());
        Assert.Throws<ObjectDisposedException>(() => shards.Run(_ => { }));
    }

    [Fact]
    public void RefusesRunsFromAnotherThread()
    {
        using var shards = new ShardThreads(2);
        Exception? error = null;
        var other = new Thread(() => error = Record.Exception(() => shards.Run(_ => { })));
        other.Start();
        other.Join();
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public void OneShardRunsInlineAndLeavesTheThreadCountAlone()
    {
        torch.set_num_threads(2);
        using var shards = new ShardThreads(1);
        int thread = -1;
        shards.Run(_ => thread = Environment.CurrentManagedThreadId);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
        Assert.Equal(2, torch.get_num_threads());
    }
}
