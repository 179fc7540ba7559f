using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SobolevRL.Tests.IO;

namespace SobolevRL.Tests.Sweeps;

/// <summary>
/// <c>sweep report</c>'s section "Aggregates over games and seeds" on a real sweep (two MinAtar games × Regular/Sobolev ×
/// two seeds, distilled from datasets collected by the shipped teachers): the normalised scores, IQM, median, mean,
/// optimality gap, their stratified-bootstrap intervals and the probability of improvement agree with an independent
/// numpy computation that enumerates every stratified resample (the exact bootstrap distribution).
/// </summary>
[Trait("speed", "slow")] // collects two datasets and runs eight tiny distillations through the CLI
public sealed partial class SweepReportAggregatesTests : IDisposable
{
    readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    static readonly string[] Games = ["breakout", "asterix"];

    [Fact]
    public void AggregateTableMatchesAnExactBootstrapInNumpy()
    {
        if (Python.MissingReason() is { } reason) Assert.Skip(reason);
        var sources = new List<string>();
        foreach (string game in Games)
        {
            string data = Path.Combine(_dir, "data-" + game);
            var c = CliProcess.Run("collect", "--env", MinAtarId(game), "--teacher", RepoFile($"agents/minatar/{game}/policy.onnx"), "--labels", "full",
                "--envs", "4", "--states", "200", "--split", "streams", "--seed", "3", "--threads", "1", "--out", data);
            Assert.True(c.Code == 0, c.Stderr);
            sources.Add(data);
        }
        string file = SweepFixtures.Write(_dir, "games", $$"""
            base:
              student: minatar:4,16
              optim: {steps: 20, batch_size: 16}
              logging: {checkpoint_every: 10, eval_every: 20, eval_episodes: 2, metrics_every: 10, held_out_states: 32}
            data: {source: {{sources[0]}}}
            grid:
              data.source: [{{string.Join(", ", sources)}}]
              loss.sobolev: ["off", full]
            seeds: [0, 1]
            """);
        string sweepDir = Path.Combine(_dir, "out");
        Assert.Equal(8, SweepFixtures.CliJson(0, "sweep", "--config", file, "--out", sweepDir, "--parallel", "2").GetProperty("done").GetInt32());
        SweepFixtures.CliJson(0, "sweep", "report", sweepDir);
        string reportDir = Path.Combine(sweepDir, "report");
        string md = File.ReadAllText(Path.Combine(reportDir, "report.md"));
        Assert.Contains("## Aggregates over games and seeds", md);
        Assert.True(new FileInfo(Path.Combine(reportDir, "performance_profile.png")).Length > 1000, "no performance profile drawn");

        // The oracle reads the runs' returns (runs.csv) and the teachers' returns from their own cards; a method is a
        // Sobolev setting (data.source names the game), its games in ordinal order of the env id.
        string script = $$"""
            import csv, itertools, json, numpy as np
            sources = {{JsonSerializer.Serialize(sources)}}
            envs = {{JsonSerializer.Serialize(Games.Select(MinAtarId))}}
            cards = {{JsonSerializer.Serialize(Games.Select(g => RepoFile($"agents/minatar/{g}/policy.onnx.card.json")))}}
            teacher = {e: json.load(open(c))["evaluation"]["return_mean"] for e, c in zip(envs, cards)}
            env_of = dict(zip(sources, envs))
            runs = list(csv.DictReader(open({{JsonSerializer.Serialize(Path.Combine(reportDir, "runs.csv"))}})))
            tables = {}
            for r in runs:
                e = env_of[r["data.source"]]
                tables.setdefault("loss.sobolev=" + r["loss.sobolev"], {}).setdefault(e, []).append(float(r["return"]) / teacher[e])
            tables = {m: [np.array(t[e]) for e in sorted(t)] for m, t in tables.items()}
            def iqm(t):
                a = np.sort(np.concatenate(t)); k = int(0.25 * len(a)); return a[k:len(a) - k].mean()
            def median(t): return float(np.median([g.mean() for g in t]))
            def mean(t): return float(np.mean([g.mean() for g in t]))
            def gap(t): return 1 - float(np.mean([np.minimum(g, 1).mean() for g in t]))
            def poi(a, b): return float(np.mean([((ga[:, None] > gb[None, :]) + 0.5 * (ga[:, None] == gb[None, :])).mean() for ga, gb in zip(a, b)]))
            def resamples(t):  # every stratified resample, each equally likely
                per_game = [[g[list(i)] for i in itertools.product(range(len(g)), repeat=len(g))] for g in t]
                return [list(c) for c in itertools.product(*per_game)]
            def quantiles(values):  # the exact distribution's quantiles at 1.5, 2.5, 3.5 and 96.5, 97.5, 98.5 %
                v = np.sort(values); n = len(v)
                return [float(v[max(int(np.ceil(p * n)) - 1, 0)]) for p in (0.015, 0.025, 0.035, 0.965, 0.975, 0.985)]
            out = {"scores": {m: [g.tolist() for g in t] for m, t in tables.items()}, "teacher": teacher, "methods": dict(), "poi": dict()}
            for m, t in tables.items():
                rs = resamples(t)
                out["methods"][m] = {k: [f(t)] + quantiles([f(s) for s in rs]) for k, f in (("iqm", iqm), ("median", median), ("mean", mean), ("gap", gap))}
            for x, y in itertools.permutations(tables, 2):
                rx, ry = resamples(tables[x]), resamples(tables[y])
                out["poi"][x + " > " + y] = [poi(tables[x], tables[y])] + quantiles([poi(a, b) for a in rx for b in ry])
            print(json.dumps(out))
            """;
        using var doc = JsonDocument.Parse(Python.Check(script));
        var oracle = doc.RootElement;

        // The games and what they are normalised by (the teacher's recorded return).
        foreach (string game in Games)
        {
            double teacher = oracle.GetProperty("teacher").GetProperty(MinAtarId(game)).GetDouble();
            Assert.Contains($"| {MinAtarId(game)} | teacher (return / teacher's) | 0 | {G4(teacher)} |", md);
        }
        var rows = TableRows(md, "| method | games | runs | IQM | median | mean | optimality gap |");
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            var expected = oracle.GetProperty("methods").GetProperty(row[0]);
            Assert.Equal("2", row[1]);
            Assert.Equal("4", row[2]);
            Same(row[3], expected.GetProperty("iqm"), row[0] + " IQM");
            Same(row[4], expected.GetProperty("median"), row[0] + " median");
            Same(row[5], expected.GetProperty("mean"), row[0] + " mean");
            Same(row[6], expected.GetProperty("gap"), row[0] + " optimality gap");
        }
        var poi = Assert.Single(TableRows(md, "| X | Y | P(X > Y) |"));
        Same(poi[2], oracle.GetProperty("poi").GetProperty($"{poi[0]} > {poi[1]}"), "P(X > Y)");
    }

    // "point [low, high]" of the report against the oracle's [point, q1.5, q2.5, q3.5, q96.5, q97.5, q98.5]: the point to the
    // report's 4 significant digits; each end of the interval (10,000 Monte Carlo replicates) between the exact quantiles
    // one percentage point either side of 2.5% and 97.5% (the replicates' percentile can only stray that far by chance
    // ~1e-16), and equal to the exact 2.5% / 97.5% quantile where the distribution has no jump in between.
    static void Same(string cell, JsonElement expected, string what)
    {
        var m = IntervalCell().Match(cell);
        Assert.True(m.Success, $"{what}: cannot read '{cell}'");
        double point = Parse(m.Groups[1].Value), low = Parse(m.Groups[2].Value), high = Parse(m.Groups[3].Value);
        double[] e = [.. expected.EnumerateArray().Select(j => j.GetDouble())];
        Assert.True(Close(point, e[0]), $"{what}: point {cell} vs numpy {e[0]}");
        Assert.True(e[1] - Slack(e[1]) <= low && low <= e[3] + Slack(e[3]), $"{what}: low {low} outside the exact [{e[1]}, {e[3]}]");
        Assert.True(e[4] - Slack(e[4]) <= high && high <= e[6] + Slack(e[6]), $"{what}: high {high} outside the exact [{e[4]}, {e[6]}]");
        if (e[1] == e[3]) Assert.True(Close(low, e[2]), $"{what}: low {low} vs exact {e[2]}");
        if (e[4] == e[6]) Assert.True(Close(high, e[5]), $"{what}: high {high} vs exact {e[5]}");
    }

    static double Slack(double v) => 5e-4 * Math.Max(1, Math.Abs(v)); // the report prints 4 significant digits

    static bool Close(double printed, double exact) => Math.Abs(printed - exact) <= Slack(exact);

    static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    static string MinAtarId(string game) => game switch { "breakout" => "MinAtar/Breakout-v1", "asterix" => "MinAtar/Asterix-v1", _ => throw new ArgumentException(game) };

    // The body rows of the markdown table under the header line, as cells.
    static List<string[]> TableRows(string md, string header)
    {
        string[] lines = md.Split('\n');
        int start = Array.IndexOf(lines, header);
        Assert.True(start >= 0, $"no table '{header}' in the report");
        return [.. lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray())];
    }

    [GeneratedRegex(@"^(\S+) \[(\S+), (\S+)\]$")]
    private static partial Regex IntervalCell();
}
