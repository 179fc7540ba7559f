using System.Diagnostics;

namespace SobolevRL.Tests.Sweeps;

/// <summary>The <c>sweep</c> command on the local executor, end to end through real CLI processes.</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class LocalSweepTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    private const string Data = "data: {env: MinAtar/Breakout-v1, states: 64, labels: full}\n";

    [Fact]
    public void RunsInParallelSkipsFinishedRunsIsolatesFailuresAndAggregatesAcrossSeeds()
    {
        string sweepDir = Path.Combine(_dir, "out");
        string first = SweepFixtures.Write(_dir, "first", SweepFixtures.TinyBase + "\n" + Data + "grid:\n  loss.sobolev: [\"off\", full]\nseeds: [0, 1]\n");
        var result = SweepFixtures.CliJson(0, "sweep", "--config", first, "--out", sweepDir, "--parallel", "2");
        Assert.Equal(4, result.GetProperty("done").GetInt32());
        Assert.Equal(4, result.GetProperty("executed").GetInt32());
        Assert.Equal(1, result.GetProperty("threads_per_run").GetInt32());

        var report = SweepFixtures.CliJson(0, "sweep", "report", sweepDir);
        var kl = report.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("metric").GetString() == "held_out_kl").ToArray();
        Assert.Equal(2, kl.Length); // one cell per Sobolev mode, seeds pooled
        foreach (var cell in kl)
        {
            Assert.Equal(2, cell.GetProperty("seeds").GetInt32());
            double mean = cell.GetProperty("mean").GetDouble(), low = cell.GetProperty("ci_low").GetDouble(), high = cell.GetProperty("ci_high").GetDouble();
            Assert.True(low <= mean && mean <= high && mean >= 0, $"KL {mean} in [{low}, {high}]");
        }
        string reportDir = Path.Combine(sweepDir, "report");
        Assert.Equal(5, File.ReadAllLines(Path.Combine(reportDir, "runs.csv")).Length);
        Assert.Contains("loss.sobolev,metric,seeds,mean,ci_low,ci_high", File.ReadAllText(Path.Combine(reportDir, "aggregate.csv")));
        Assert.Contains("| off |", File.ReadAllText(Path.Combine(reportDir, "report.md")));

        // Running the same sweep again starts nothing.
        Assert.Equal(0, SweepFixtures.CliJson(0, "sweep", "--config", first, "--out", sweepDir).GetProperty("executed").GetInt32());

        // A changed grid runs only its new points; a run that fails (not a dataset) is reported and the others are unaffected.
        string empty = Path.Combine(_dir, "not-a-dataset");
        Directory.CreateDirectory(empty);
        string second = SweepFixtures.Write(_dir, "second", SweepFixtures.TinyBase + "\n" + Data +
            $"grid:\n  loss.sobolev: [\"off\", full]\n  data.source: [\"\", {empty}]\nseeds: [0]\n");
        result = SweepFixtures.CliJson(1, "sweep", "--config", second, "--out", sweepDir, "--parallel", "2");
        Assert.Equal(2, result.GetProperty("executed").GetInt32());
        Assert.Equal(2, result.GetProperty("done").GetInt32());
        Assert.Equal(2, result.GetProperty("failed").GetInt32());
        var status = SweepFixtures.CliJson(0, "sweep", "status", sweepDir);
        foreach (var run in status.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("state").GetString() == "failed"))
        {
            Assert.Equal(2, run.GetProperty("exit_code").GetInt32());
            Assert.Contains(run.GetProperty("last_log_lines").EnumerateArray(), l => l.GetString()!.Contains("is not a replay dataset", StringComparison.Ordinal));
        }

        // --retry-failed runs them again and keeps the earlier attempt.
        result = SweepFixtures.CliJson(1, "sweep", "--out", sweepDir, "--retry-failed");
        Assert.Equal(2, result.GetProperty("executed").GetInt32());
        var failedIds = SweepFixtures.States(sweepDir).Where(s => s.Value == "failed").Select(s => s.Key).ToArray();
        Assert.Equal(2, failedIds.Length);
        Assert.All(failedIds, id => Assert.True(File.Exists(Path.Combine(sweepDir, "runs", id, "failed-1", "log.txt"))));
    }

    [Fact]
    public async Task InterruptStopsRunsCleanlyAndTheNextInvocationResumesThem()
    {
        string sweepDir = Path.Combine(_dir, "out");
        string file = SweepFixtures.Write(_dir, "long", SweepFixtures.TinyBase.Replace("steps: 20", "steps: 1000", StringComparison.Ordinal) + "\n" + Data);
        var psi = new ProcessStartInfo(CliProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "sweep", "--config", file, "--out", sweepDir, "--json" }) psi.ArgumentList.Add(a);
        string runDir;
        using (var sweep = Process.Start(psi)!)
        {
            var stderr = sweep.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = sweep.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var clock = Stopwatch.StartNew();
            string? checkpoint = null;
            while (checkpoint is null && !sweep.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                checkpoint = Directory.Exists(Path.Combine(sweepDir, "runs"))
                    ? Directory.GetFiles(Path.Combine(sweepDir, "runs"), "checkpoint.bin", SearchOption.AllDirectories).FirstOrDefault()
                    : null;
                Thread.Sleep(20);
            }
            if (sweep.HasExited) Assert.Fail("the sweep ended before it could be interrupted: " + await stderr);
            runDir = Path.GetDirectoryName(Path.GetDirectoryName(checkpoint)!)!;
            var kill = Process.Start(new ProcessStartInfo("/bin/kill", ["-TERM", sweep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true })!;
            string killError = await kill.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(kill.ExitCode == 0, "kill: " + killError);
            Assert.True(sweep.WaitForExit(TimeSpan.FromSeconds(60)), "the sweep did not stop after SIGTERM");
            string log = await stderr;
            Assert.True(sweep.ExitCode == 1, $"exit code {sweep.ExitCode}: {log}");
            Assert.Contains("stopping", log);
        }
        Assert.False(File.Exists(Path.Combine(runDir, "result.json")), "an interrupted run must not be recorded as ended");
        Assert.Equal("interrupted", SweepFixtures.States(sweepDir).Single().Value);

        var result = SweepFixtures.CliJson(0, "sweep", "--out", sweepDir);
        Assert.Equal(1, result.GetProperty("done").GetInt32());
        // The run task started twice, and the second distill continued from the checkpoint rather than from step 0.
        string[] log2 = File.ReadAllLines(Path.Combine(runDir, "log.txt"));
        Assert.Equal(2, log2.Count(l => l.StartsWith($"run {Path.GetFileName(runDir)}: ", StringComparison.Ordinal)));
        Assert.Contains(log2, l => l.Contains("resuming distill from its checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void BadInputFailsBeforeAnythingStarts()
    {
        string good = SweepFixtures.Write(_dir, "good", SweepFixtures.TinyBase + "\n" + Data);
        string outDir = Path.Combine(_dir, "never");
        string runtime = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var noSlurm = SweepFixtures.Cli(new Dictionary<string, string> { ["PATH"] = _dir, ["DOTNET_ROOT"] = runtime },
            "sweep", "--config", good, "--out", outDir, "--executor", "slurm");
        Assert.True(noSlurm.Code == 2, noSlurm.Stderr);
        Assert.Contains("no sbatch on PATH", noSlurm.Stderr);

        string unknown = SweepFixtures.Write(_dir, "unknown", SweepFixtures.TinyBase + "\n" + Data + "grid:\n  optim.lr: [0.1, 0.2]\n");
        var e1 = CliProcess.Run("sweep", "--config", unknown, "--out", outDir);
        Assert.True(e1.Code == 2, e1.Stderr);
        Assert.Contains("unknown config key 'optim.lr'", e1.Stderr);

        string zero = SweepFixtures.Write(_dir, "zero", SweepFixtures.TinyBase + "\n" + Data + "grid:\n  loss.weight: []\n");
        var e2 = CliProcess.Run("sweep", "--config", zero, "--out", outDir);
        Assert.True(e2.Code == 2, e2.Stderr);
        Assert.Contains("zero runs", e2.Stderr);
        Assert.False(Directory.Exists(outDir));
    }
}
