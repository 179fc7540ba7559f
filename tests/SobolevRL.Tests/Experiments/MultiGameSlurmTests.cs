using SobolevRL.Experiments;
using SobolevRL.Sweeps;
using SobolevRL.Tests.Sweeps;

namespace SobolevRL.Tests.Experiments;

/// <summary>
/// <c>experiment multi-game</c> as a Slurm job array, exactly docs/multi-game.md's recipe: <c>sbatch --array</c> of the
/// CLI with <c>--shard $SLURM_ARRAY_TASK_ID/N</c>, then a job after it with <c>--resume</c> for the report (the
/// one-node cluster of tests/slurm/start-cluster.sh in CI).
/// </summary>
[Trait("speed", "slow")] // Slurm jobs of the CLI training tiny students: seconds
public class MultiGameSlurmTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    /// <summary>The experiment's arguments: 2 training games + 1 held out, 1 seed, the tiniest students, steps and datasets.</summary>
    private static string[] Experiment(string outDir) =>
    [
        "experiment", "multi-game", "--games", "breakout,spaceinvaders", "--held-out", "asterix", "--students", "minatar:4,16",
        "--seeds", "1", "--states", "500", "--steps", "8", "--episodes", "1", "--threads", "1",
        "--set", "few_shot=[50]", "--set", "few_shot_steps=6", "--set", "distill.optim.batch_size=8",
        "--set", "distill.logging.held_out_states=32", "--set", "distill.logging.checkpoint_every=4", "--set", "distill.logging.metrics_every=4",
        "--out", outDir,
    ];

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Students named in <paramref name="log"/>'s <see cref="ExperimentShard.TrainedLog"/> lines.</summary>
    private static string[] Trained(string log) =>
        [.. System.Text.RegularExpressions.Regex.Matches(log, ExperimentShard.TrainedLog + @" (\S+)").Select(m => m.Groups[1].Value)];

    /// <summary><c>results.csv</c> without its <c>cpu_seconds</c> column (a timing, the only figure not fixed by the seeds).</summary>
    private static string[] ResultsWithoutTimings(string dir)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "results.csv"));
        int cpu = Array.IndexOf(lines[0].Split(','), "cpu_seconds");
        Assert.True(cpu >= 0, lines[0]);
        return [.. lines.Select(l => string.Join(",", l.Split(',').Where((_, i) => i != cpu)))];
    }

    [Fact]
    public void AJobArrayOfShardsTrainsEveryStudentOnceAndReportsWhatOneProcessReports()
    {
        if (SweepFixtures.MissingSlurmCluster() is { } reason) Assert.Skip(reason);
        const int parts = 2; // 1 seed × 2 losses: one (seed, loss) group per array task
        string outDir = Path.Combine(_dir, "array");
        string cli = Quote(CliProcess.Executable) + " " + string.Join(" ", Experiment(outDir).Select(Quote));

        // docs/multi-game.md: the array of parts, then the report once every part has ended well.
        var (code, stdout, stderr) = ExternalCommand.Run("sbatch", "--parsable", $"--array=0-{parts - 1}", "-c", "1", "--time=00:10:00", "--chdir", _dir,
            "--wrap", $"{cli} --shard $SLURM_ARRAY_TASK_ID/{parts}");
        Assert.True(code == 0, stderr);
        string job = stdout.Trim().Split(';')[0];
        (code, stdout, stderr) = ExternalCommand.Run("sbatch", "--parsable", "--wait", $"--dependency=afterok:{job}", "--kill-on-invalid-dep=yes", "-c", "1",
            "--time=00:10:00", "--chdir", _dir, "--wrap", $"{cli} --resume");
        string report = stdout.Trim().Split(';')[0];
        string Log(string name) => File.Exists(Path.Combine(_dir, name)) ? File.ReadAllText(Path.Combine(_dir, name)) : $"(no {name})";
        string logs = string.Join("\n", Enumerable.Range(0, parts).Select(i => $"--- part {i}:\n{Log($"slurm-{job}_{i}.out")}")) + $"\n--- report:\n{Log($"slurm-{report}.out")}";
        Assert.True(code == 0, $"sbatch --wait exited {code}: {stderr}\n{logs}");

        // Every student trained exactly once, by the part that owns its (seed, loss) group; the report step trained none.
        var plans = MultiGameExperiment.Plan(new MultiGameExperimentOptions
        {
            Games = ["breakout", "spaceinvaders"],
            HeldOut = "asterix",
            Students = "minatar:4,16",
            Seeds = 1,
            FewShot = [50],
        });
        Assert.Equal(2 * (1 + 2 + 2), plans.Count); // per loss: the multi-game student, 2 single-game, 2 few-shot
        var byPart = Enumerable.Range(0, parts).Select(i => Trained(Log($"slurm-{job}_{i}.out"))).ToArray();
        for (int i = 0; i < parts; i++)
        {
            var shard = new ExperimentShard(i, parts);
            Assert.Equal(plans.Where(p => shard.Owns(MultiGameExperiment.ShardGroup(p))).Select(p => p.Name).Order(), byPart[i].Order());
        }
        Assert.Equal(plans.Select(p => p.Name).Order(), byPart.SelectMany(p => p).Order()); // none twice
        Assert.Empty(Trained(Log($"slurm-{report}.out")));
        Assert.Equal(plans.Select(p => p.Name).Order(), Directory.GetDirectories(Path.Combine(outDir, "runs")).Select(Path.GetFileName).Order());

        // One process, same config: the same rows and numbers (every student is deterministic by its seed).
        string single = Path.Combine(_dir, "single");
        var one = CliProcess.Run(Experiment(single));
        Assert.True(one.Code == 0, one.Stderr);
        Assert.Equal(plans.Select(p => p.Name).Order(), Trained(one.Stderr).Order());
        Assert.Equal(ResultsWithoutTimings(single), ResultsWithoutTimings(outDir));
        foreach (string file in new[] { "report.md", "table.csv", "paired.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(single, file)), File.ReadAllText(Path.Combine(outDir, file)));
    }
}
