using SobolevRL.Envs.Ale;
using SobolevRL.Evaluation;
using SobolevRL.Experiments;
using SobolevRL.Evaluation.Aggregates;
using static SobolevRL.Tests.RepoFiles;

namespace SobolevRL.Tests.Evaluation;

public class EvaluationPresetTests
{
    [Fact]
    public void PresetsSetTheAtariProtocolOfTheirSource()
    {
        var mnih = EvaluationPreset.Named("mnih2015");
        var options = EvaluationProtocol.Options("ALE/Pong-v5", null, mnih).Values;
        Assert.Equal("0", options[AleOptions.Names.RepeatActionProbability]);
        Assert.Equal("30", options[AleOptions.Names.NoopMax]);
        Assert.Equal("18000", options[AleOptions.Names.MaxNumFramesPerEpisode]);
        Assert.Equal(0.05, mnih.Epsilon);

        var machado = EvaluationProtocol.Options("ALE/Pong-v5", null, EvaluationPreset.Named("machado2018")).Values;
        Assert.Equal("0.25", machado[AleOptions.Names.RepeatActionProbability]);
        Assert.Equal("0", machado[AleOptions.Names.NoopMax]);
        Assert.Equal("108000", machado[AleOptions.Names.MaxNumFramesPerEpisode]);

        // The default keeps the environment's own defaults; MinAtar keeps its protocol under any preset; overrides win.
        Assert.Empty(EvaluationProtocol.Options("ALE/Pong-v5").Values);
        Assert.Equal(new Dictionary<string, string> { ["sticky_action_prob"] = "0.1" }, EvaluationProtocol.Options("MinAtar/Breakout-v1", null, mnih).Values);
        Assert.Equal("0.5", EvaluationProtocol.Options("ALE/Pong-v5", new Dictionary<string, string> { [AleOptions.Names.RepeatActionProbability] = "0.5" }, mnih).Values[AleOptions.Names.RepeatActionProbability]);

        Assert.StartsWith("preset mnih2015: ALE/Pong-v5 (", EvaluationProtocol.Describe("ALE/Pong-v5", EvaluationProtocol.Options("ALE/Pong-v5", null, mnih), mnih));
        Assert.EndsWith("epsilon-greedy 0.05", EvaluationProtocol.Describe("ALE/Pong-v5", EvaluationProtocol.Options("ALE/Pong-v5", null, mnih), mnih));
        var error = Assert.Throws<UserErrorException>(() => EvaluationPreset.Named("mnih"));
        Assert.Contains("default, machado2018, mnih2015", error.Message);
    }

    [Fact]
    public void EpsilonGreedyEvaluationIsSeededAndActsRandomly()
    {
        const string env = "MinAtar/Breakout-v1";
        var options = EvaluationProtocol.Options(env);
        // A policy that always plays no-op, against the same with every action replaced by a random one (ε = 1):
        // different play, the same again from the same seed.
        var still = EpisodeEvaluator.Run(env, options, _ => 0, episodes: 20);
        var random = EpisodeEvaluator.Run(env, options, _ => 0, episodes: 20, epsilon: 1);
        Assert.NotEqual(still, random);
        Assert.Equal(random, EpisodeEvaluator.Run(env, options, _ => 0, episodes: 20, epsilon: 1));
    }
}

public class SuiteEvaluationTests
{
    [Fact]
    public void AtariGamesAreHumanNormalisedAndAggregated()
    {
        SuiteRun Run(string env, double score) => new(env, "p", ReturnStatistics.Of([score]));
        var result = SuiteEvaluation.Aggregate(
            [Run("ALE/Pong-v5", 14.6), Run("ALE/Pong-v5", -20.7), Run("ALE/Breakout-v5", 30.5), Run("ALE/Breakout-v5", 59.3)],
            env => AtariReferenceScores.ForEnv(env)!, EvaluationPreset.Default, 1, new StratifiedBootstrap(Reps: 100));
        Assert.Equal(["ALE/Breakout-v5", "ALE/Pong-v5"], result.Games.Select(g => g.Env));
        Assert.Equal([1.0, 2.0], result.Games[0].Scores, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal([1.0, 0.0], result.Games[1].Scores, (a, b) => Math.Abs(a - b) < 1e-12);
        // Per-game means 1.5 and 0.5; pooled (0, 1, 1, 2) → IQM of the middle two; capped at 1: (1 + 1)/2 and (1 + 0)/2.
        Assert.Equal(1.0, result.Aggregate.Mean.Point, 12);
        Assert.Equal(1.0, result.Aggregate.InterquartileMean.Point, 12);
        Assert.Equal(0.25, result.Aggregate.OptimalityGap.Point, 12);
        Assert.Null(AtariReferenceScores.ForEnv("ALE/Tetris-v5"));
        Assert.Null(AtariReferenceScores.ForEnv("MinAtar/Breakout-v1"));
    }

    [Fact]
    public void MinAtarTeacherScoresOneBetweenRandomPlayAndItself()
    {
        string breakout = RepoFile("agents/minatar/breakout/policy.onnx");
        var result = SuiteEvaluation.Run([breakout, breakout], [breakout], EvaluationPreset.Default, episodes: 3, seedOffset: 0, new StratifiedBootstrap(Reps: 100));
        var game = Assert.Single(result.Games);
        Assert.Equal("teacher", game.Reference.Kind);
        Assert.True(game.Reference.High > game.Reference.Low, $"teacher {game.Reference.High} vs random {game.Reference.Low}");
        // The teacher against itself under the same seeds: exactly 1.
        Assert.All(game.Scores, s => Assert.Equal(1.0, s, 12));
        Assert.Equal(1.0, result.Aggregate.InterquartileMean.Point, 12);
        Assert.Equal(0.0, result.Aggregate.OptimalityGap.Point, 12);

        var missing = Assert.Throws<UserErrorException>(() => SuiteEvaluation.Run([breakout], [], EvaluationPreset.Default, 3, 0, new StratifiedBootstrap()));
        Assert.Contains("`suite_teacher`", missing.Message);
    }

    [Fact]
    public void EvalSuiteCliPrintsJsonAggregatesAndRefusesBadInput()
    {
        string breakout = RepoFile("agents/minatar/breakout/policy.onnx");
        string asterix = RepoFile("agents/minatar/asterix/policy.onnx");
        var run = CliProcess.Run("eval", "--suite", breakout, "--suite", asterix, "--suite-teacher", breakout, "--suite-teacher", asterix,
            "--episodes", "2", "--bootstrap-reps", "200", "--preset", "mnih2015", "--json");
        Assert.True(run.Code == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal("mnih2015", json.RootElement.GetProperty("preset").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("games").GetArrayLength());
        var iqm = json.RootElement.GetProperty("aggregate").GetProperty("interquartile_mean");
        Assert.True(iqm.GetProperty("low").GetDouble() <= iqm.GetProperty("point").GetDouble());

        var bad = CliProcess.Run("eval", "--suite", breakout, "--preset", "nope");
        Assert.Equal(2, bad.Code);
        Assert.StartsWith("error: unknown evaluation preset 'nope'", bad.Stderr.Trim());
    }
}
