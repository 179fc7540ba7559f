using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Teachers;

namespace SobolevRL.Experiments;

/// <summary>The score of one run (one policy) on one game: its evaluation returns.</summary>
/// <param name="Env">Environment id.</param>
/// <param name="Policy">The policy file or run directory.</param>
/// <param name="Returns">Its episode returns under the suite's protocol.</param>
public sealed record SuiteRun(string Env, string Policy, ReturnStatistics Returns);

/// <summary>One game of a suite: its runs' mean returns and normalised scores.</summary>
/// <param name="Env">Environment id.</param>
/// <param name="Reference">What the scores are normalised by.</param>
/// <param name="Returns">Each run's mean return.</param>
/// <param name="Scores">Each run's normalised score.</param>
public sealed record SuiteGame(string Env, GameReference Reference, double[] Returns, double[] Scores)
{
    /// <summary>Mean over runs of the normalised score.</summary>
    public double MeanScore => Scores.Average();

    /// <summary>Mean over runs of the mean return.</summary>
    public double MeanReturn => Returns.Average();
}

/// <summary>The evaluation of a suite: per-game rows and the aggregates of the normalised scores.</summary>
/// <param name="Preset">Name of the evaluation preset.</param>
/// <param name="Protocol">The preset's summary.</param>
/// <param name="Episodes">Episodes per run.</param>
/// <param name="Games">Per-game rows, in id order.</param>
/// <param name="Aggregate">IQM, median, mean and optimality gap with stratified-bootstrap intervals.</param>
public sealed record SuiteResult(string Preset, string Protocol, int Episodes, IReadOnlyList<SuiteGame> Games, AggregateSummary Aggregate)
{
    /// <summary>The normalised score table <c>[game][run]</c>, games in <see cref="Games"/> order.</summary>
    public double[][] ScoreTable => Games.Select(g => g.Scores).ToArray();
}

/// <summary>
/// Evaluates several policies over several games in one call and aggregates their normalised scores the way
/// Agarwal et al. 2021 report Atari results. A run's score on a game is its mean return over the evaluation
/// episodes, normalised per game: Atari games by the published random and human scores; games without them (MinAtar)
/// between a uniformly random policy and the game's teacher, both measured under the same protocol and seeds.
/// </summary>
public static class SuiteEvaluation
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes of every policy in <paramref name="policies"/> (a .onnx file with its
    /// card, whose env names the game) under <paramref name="preset"/>, and aggregates. <paramref name="teachers"/> give
    /// the reference of games outside the Atari table (one teacher per game, matched by its card's env). Every input is
    /// checked before any episode is played.
    /// </summary>
    public static SuiteResult Run(IReadOnlyList<string> policies, IReadOnlyList<string> teachers, EvaluationPreset preset, int episodes, long seedOffset, StratifiedBootstrap bootstrap)
    {
        if (policies.Count == 0) throw new UserErrorException("a suite needs at least one policy");
        if (episodes < 1) throw new UserErrorException($"a suite needs at least one episode per run (got {episodes})");
        var policyEnvs = policies.Select(p => (Path: p, Env: CardEnv(p))).ToArray();
        var teacherByEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in teachers)
        {
            string env = CardEnv(t);
            if (!teacherByEnv.TryAdd(env, t)) throw new UserErrorException($"two teachers for {env}: {teacherByEnv[env]} and {t}; give one per game");
        }
        foreach (var env in policyEnvs.Select(p => p.Env).Distinct())
            if (AtariReferenceScores.ForEnv(env) is null && !teacherByEnv.ContainsKey(env))
                throw new UserErrorException($"{env} has no published random/human scores; give its teacher ({UserErrorException.Key("suite_teacher")} FILE) to normalise between random play and the teacher");

        var runs = new List<SuiteRun>();
        foreach (var (path, env) in policyEnvs)
        {
            using var actor = TeacherActor.Open(PolicyFile(path));
            runs.Add(new SuiteRun(env, path, EpisodeEvaluator.Run(env, preset, null, actor, episodes, seedOffset)));
        }
        var references = new Dictionary<string, GameReference>(StringComparer.Ordinal);
        foreach (var env in policyEnvs.Select(p => p.Env).Distinct())
        {
            if (AtariReferenceScores.ForEnv(env) is { } atari) { references[env] = atari; continue; }
            using var teacher = TeacherActor.Open(teacherByEnv[env]);
            double teacherReturn = EpisodeEvaluator.Run(env, preset, null, teacher, episodes, seedOffset).Mean;
            double randomReturn = EpisodeEvaluator.Run(env, EvaluationProtocol.Options(env, null, preset), _ => 0, episodes, seedOffset, epsilon: 1).Mean;
            if (teacherReturn == randomReturn)
                throw new UserErrorException($"the teacher of {env} scores {teacherReturn}, as random play does: scores cannot be normalised between them");
            references[env] = new GameReference("teacher", randomReturn, teacherReturn);
        }
        return Aggregate(runs, env => references[env], preset, episodes, bootstrap);
    }

    /// <summary>Groups <paramref name="runs"/> by game, normalises them by <paramref name="reference"/> and computes the aggregates.</summary>
    public static SuiteResult Aggregate(IReadOnlyList<SuiteRun> runs, Func<string, GameReference> reference, EvaluationPreset preset, int episodes, StratifiedBootstrap bootstrap)
    {
        var games = runs.GroupBy(r => r.Env, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var r = reference(g.Key);
            var returns = g.Select(run => run.Returns.Mean).ToArray();
            return new SuiteGame(g.Key, r, returns, returns.Select(r.Normalize).ToArray());
        }).ToArray();
        var table = games.Select(g => g.Scores).ToArray();
        return new SuiteResult(preset.Name, preset.Summary, episodes, games, AggregateSummary.Of(table, bootstrap));
    }

    /// <summary>Probability that a run of <paramref name="x"/> scores above a run of <paramref name="y"/> (e.g. Sobolev over regular students), over the same games.</summary>
    public static Estimate ProbabilityOfImprovement(SuiteResult x, SuiteResult y, StratifiedBootstrap bootstrap)
    {
        if (!x.Games.Select(g => g.Env).SequenceEqual(y.Games.Select(g => g.Env)))
            throw new UserErrorException($"the two suites cover different games ({string.Join(", ", x.Games.Select(g => g.Env))} vs {string.Join(", ", y.Games.Select(g => g.Env))})");
        return Evaluation.Aggregates.ProbabilityOfImprovement.WithInterval(x.ScoreTable, y.ScoreTable, bootstrap);
    }

    /// <summary>The .onnx file of a policy given as a file or as a distillation run directory.</summary>
    public static string PolicyFile(string policy) => Directory.Exists(policy) ? Path.Combine(policy, DistillTrainer.OnnxFile) : policy;

    private static string CardEnv(string policy)
    {
        string onnx = PolicyFile(policy);
        if (!File.Exists(onnx)) throw new UserErrorException($"policy '{onnx}' does not exist; a suite takes .onnx files (with their cards) or distillation run directories");
        using var actor = TeacherActor.Open(onnx);
        return actor.Card.Env.Length > 0 ? actor.Card.Env : throw new UserErrorException($"the card of {onnx} names no environment; a suite takes each game from the policy's card");
    }
}
