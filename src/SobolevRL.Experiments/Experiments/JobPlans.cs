using System.Globalization;
using SobolevRL.Teachers;

namespace SobolevRL.Experiments;

/// <summary>What a long job is about to do and, where this project measured its rate, how long it takes.</summary>
/// <param name="What">The work, e.g. <c>PPO on MinAtar/Breakout-v1 for 5,000,000 frames with 16 envs</c>.</param>
/// <param name="Seconds">Wall seconds on this project's 2-core reference machine (low, high); null without a measured rate.</param>
public sealed record JobPlan(string What, (double Low, double High)? Seconds)
{
    /// <summary>The plan in one line, with its time estimate (e.g. "about 10–25 min on 2 quiet cores").</summary>
    public override string ToString()
    {
        if (Seconds is not { } s) return $"{What}, no measured rate for this algorithm and network on the reference machine (see the teachers' README)";
        static string Minutes(double seconds) => Math.Max(1, Math.Round(seconds / 60)).ToString("N0", CultureInfo.InvariantCulture);
        string low = Minutes(s.Low), high = Minutes(s.High);
        return $"{What}, about {(low == high ? low : $"{low}–{high}")} min on 2 quiet cores";
    }
}

/// <summary>The plans of the jobs whose defaults take many minutes, from the rates measured on the reference machine.</summary>
public static class JobPlans
{
    // PPO frames per second on this project's 2-core reference machine (docs/components.md): 8,800 on a quiet machine at
    // best, 3,300 for the 5M-frame defaults measured end to end (25 min); the plan's estimate spans the two. Only PPO
    // with the MinAtar CNN has measured rates; the Atari (Nature CNN) and DQN rates are in
    // src/SobolevRL.Teachers/Teachers/Training/README.md.
    private static readonly (double Low, double High) PpoFramesPerSecond = (3_300, 8_800);

    // Wall seconds per student step, everything included (recording, validation, episodes), on the reference machine:
    // the data-efficiency defaults (30 students of 4,000 steps, 100K states) took 9 min end to end (issue 21); with the
    // larger or Sobolev-heavy mixes up to twice that per step.
    private static readonly (double Low, double High) SecondsPerStudentStep = (0.0045, 0.009);

    /// <summary>The plan of a teacher training.</summary>
    public static JobPlan TeacherTrain(TeacherTrainPlan plan) => new(
        string.Create(CultureInfo.InvariantCulture, $"{plan.Algorithm.ToUpperInvariant()} on {plan.Env} for {plan.Frames:N0} frames with {plan.NumEnvs} envs"),
        plan is { Algorithm: "ppo", Network: "minatar" } ? (plan.Frames / PpoFramesPerSecond.High, plan.Frames / PpoFramesPerSecond.Low) : null);

    /// <summary>The plan of the data-efficiency experiment (validated <paramref name="o"/>).</summary>
    public static JobPlan DataEfficiency(DataEfficiencyOptions o)
    {
        long perSeed = DataEfficiencyExperiment.StudentsPerFractionAndSeed(o);
        long students = perSeed * o.Fractions.Length * o.Seeds;
        double steps = students * o.Distill.Optim.Steps;
        return new(
            string.Create(CultureInfo.InvariantCulture,
                $"record {o.Data.States:N0} states of {o.Data.Env} with {o.Data.Teacher}, then {students} students ({o.Fractions.Length} fractions x {o.Seeds} seeds x {perSeed} students) of {o.Distill.Optim.Steps:N0} steps, {o.Episodes} episodes each"),
            (steps * SecondsPerStudentStep.Low, steps * SecondsPerStudentStep.High));
    }

    /// <summary>The plan of the multi-game experiment (validated <paramref name="o"/>).</summary>
    public static JobPlan MultiGame(MultiGameExperimentOptions o)
    {
        var plans = MultiGameExperiment.Plan(o);
        int trials = o.LambdaGrid.Length > 0 ? LambdaSearch.Trials(o.LambdaGrid).Count : 1; // a Sobolev student with lambda_grid is a search
        double steps = plans.Sum(p => o.StepsOf(p.Kind) * (p.Loss == "sobolev" ? trials : 1));
        string kinds = string.Join(", ", plans.GroupBy(p => p.Kind).Select(g => $"{g.Count()} {g.Key}"));
        return new(
            string.Create(CultureInfo.InvariantCulture,
                $"record {o.States:N0} states of each of {o.Games.Length + 1} games with their teachers, then {plans.Count} students ({kinds}; {o.Seeds} seeds{(trials > 1 ? $"; each Sobolev student a λ search of {trials} trials" : "")}) of {string.Join(" or ", plans.Select(p => o.StepsOf(p.Kind)).Distinct().Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} steps, {o.Episodes} episodes per game"),
            (steps * SecondsPerStudentStep.Low, steps * SecondsPerStudentStep.High));
    }
}
