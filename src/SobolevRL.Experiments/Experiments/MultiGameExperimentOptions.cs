using SobolevRL.Config;
using SobolevRL.Distillation;
using static SobolevRL.UserErrorException;

namespace SobolevRL.Experiments;

/// <summary>
/// The config of <c>sobolevrl experiment multi-game</c> (issue 14; YAML keys in snake_case, each settable
/// from the command line): one dataset per game recorded with its shipped teacher, Regular and Sobolev multi-game students of each
/// size on the training games, single-game students of the same spec on each training game, every game scored, and
/// few-shot transfer to the held-out game from the multi-game student vs from scratch.
/// </summary>
public sealed record MultiGameExperimentOptions : IValidatable
{
    /// <summary>Games the teachers ship for (<c>agents/minatar/GAME/policy.onnx</c>).</summary>
    public static readonly string[] KnownGames = ["asterix", "breakout", "freeway", "seaquest", "spaceinvaders"];

    /// <summary>Training games (key <c>games</c>).</summary>
    public string[] Games { get; init; } = ["breakout", "freeway", "seaquest", "spaceinvaders"];

    /// <summary>The game left out of training (key <c>held_out</c>): scored zero-shot (shared heads) and by few-shot transfer.</summary>
    public string HeldOut { get; init; } = "asterix";

    /// <summary>
    /// Student specs of the multi-game students separated by <c>;</c> (key <c>students</c>; one string, since a spec holds
    /// commas); the first is also the single-game baseline and the few-shot student.
    /// </summary>
    public string Students { get; init; } = "minatar:8,64;minatar:16,128";

    /// <summary>The specs of <see cref="Students"/>.</summary>
    public string[] StudentSpecs() => Students.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Seeds per student (key <c>seeds</c>).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Teacher of a game: <c>{teachers}/GAME/policy.onnx</c> (relative paths are also looked up above the executable).</summary>
    public string Teachers { get; init; } = "agents/minatar";

    /// <summary>States recorded per game (training + held-out episodes).</summary>
    public long States { get; init; } = 8000;

    /// <summary>Collection seed of every game's dataset.</summary>
    public long DataSeed { get; init; } = 1;

    /// <summary>Gradient labels of the datasets (full or vjp:K).</summary>
    public string Labels { get; init; } = "full";

    /// <summary>
    /// Directory of the datasets, one per game under its content hash (<see cref="DatasetPlan.ContentHash"/>), shared
    /// by experiments that name the same one (empty: <c>OUT/datasets</c>).
    /// </summary>
    public string Datasets { get; init; } = "";

    /// <summary>Sobolev term of the Sobolev students.</summary>
    public string Sobolev { get; init; } = "full";

    /// <summary>
    /// λ grid (key <c>lambda_grid</c>; empty, the default: every Sobolev student trains with <c>distill.loss.weight</c>).
    /// When given, each Sobolev student (multi-game, single-game, few-shot) is a <see cref="LambdaSearch"/> over the grid
    /// and 0 on its own runs' validation splits (<c>distill.validation.*</c>), and is the trial of lowest validation KL.
    /// </summary>
    public double[] LambdaGrid { get; init; } = [];

    /// <summary>Train the single-game students (the first spec, each training game, each loss and seed).</summary>
    public bool SingleGame { get; init; } = true;

    /// <summary>
    /// Optimiser steps of a single-game student (key <c>single_game_steps</c>; 0, the default: <c>distill.optim.steps</c>,
    /// the multi-game students' steps). A multi-game student on G games sees 1/G of each batch per game, so
    /// <c>distill.optim.steps</c> = G × this value gives it as many rows of each game as a single-game student.
    /// </summary>
    public long SingleGameSteps { get; init; }

    /// <summary>Percentages of the held-out game's training split of the few-shot runs (empty: no few-shot runs).</summary>
    public double[] FewShot { get; init; } = [10, 25, 50];

    /// <summary>Optimiser steps of a few-shot run.</summary>
    public long FewShotSteps { get; init; } = 400;

    /// <summary>Optimiser steps of a student of <paramref name="kind"/> (<c>multi</c>, <c>single</c>, <c>few-scratch</c>, <c>few-multi</c>).</summary>
    public long StepsOf(string kind) =>
        kind.StartsWith("few", StringComparison.Ordinal) ? FewShotSteps
        : kind == "single" && SingleGameSteps > 0 ? SingleGameSteps
        : Distill.Optim.Steps;

    /// <summary>Evaluation episodes per student and game, and of every teacher (0: held-out states only).</summary>
    public int Episodes { get; init; } = 10;

    /// <summary>
    /// Distillation settings of every student (<c>loss.sobolev</c>, <c>seed</c>, <c>student</c>, <c>games.init</c> are
    /// set per run; <c>optim.steps</c> is the multi- and single-game students').
    /// </summary>
    public DistillOptions Distill { get; init; } = new()
    {
        Student = "minatar:8,64",
        Loss = new LossOptions { Weight = 1.0 },
        Optim = new OptimOptions { Steps = 1500, BatchSize = 64, LearningRate = 1e-3 },
        Logging = new LoggingOptions { EvalEvery = 0, HeldOutStates = 1024, CheckpointEvery = 250, MetricsEvery = 100 },
        Games = new MultiGameOptions { Adapter = InputAdapter.Conv1x1 },
    };

    /// <summary>The teacher file of <paramref name="game"/> as configured (unresolved).</summary>
    public string TeacherOf(string game) => $"{Teachers.TrimEnd('/')}/{game}/policy.onnx";

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.NotEmpty(Games, "games");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string game in Games.Append(HeldOut))
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(game, "^[A-Za-z0-9_-]+$"))
                throw new UserErrorException($"config {Key("games")}: '{game}' is not a game name (letters, digits, _ or -; the shipped teachers: {string.Join(", ", KnownGames)})");
        }
        foreach (string game in Games)
            if (!seen.Add(game)) throw new UserErrorException($"config {Key("games")}: game '{game}' is listed twice; give each game once");
        if (HeldOut.Length == 0) throw new UserErrorException($"config {Key("held_out")} is required: the game left out of training (e.g. asterix)");
        if (seen.Contains(HeldOut))
            throw new UserErrorException($"config {Key("held_out")} '{HeldOut}' is also a training game; a held-out game must be one the students never see: drop it from {Key("games")}");
        var specs = StudentSpecs();
        if (specs.Length == 0) throw new UserErrorException($"config {Key("students")} is empty: give student specs separated by ';' (e.g. minatar:8,64;minatar:16,128)");
        foreach (string spec in specs)
        {
            try { _ = StudentSpec.Parse(spec); }
            catch (UserErrorException e) { throw new UserErrorException($"config {Key("students")}: {e.Message}"); }
        }
        if (specs.Distinct(StringComparer.Ordinal).Count() != specs.Length)
            throw new UserErrorException($"config {Key("students")}: a student spec is listed twice; give each once");
        Check.InRange(Seeds, 1, 1000, "seeds");
        Check.Positive(States, "states");
        Check.NonNegative(DataSeed, "data_seed");
        SobolevTerm.Check(Sobolev, LabelMode(), "sobolev");
        foreach (double k in FewShot) Check.InRange(k, 1e-3, 100, "few_shot");
        Check.Positive(FewShotSteps, "few_shot_steps");
        Check.NonNegative(SingleGameSteps, "single_game_steps");
        Check.NonNegative(Episodes, "episodes");
        Distill.Validate("distill");
        foreach (double l in LambdaGrid) Check.NonNegative(l, "lambda_grid");
        if (LambdaGrid.Length > 0)
        {
            var sobolev = Distill with { Loss = Distill.Loss with { Sobolev = Sobolev } };
            // Every step count a planned student trains (multi-game, single-game, few-shot), each checked once.
            foreach (long steps in MultiGameExperiment.Plan(this).Select(p => StepsOf(p.Kind)).Distinct())
            {
                try { LambdaSearch.Check(sobolev with { Optim = sobolev.Optim with { Steps = steps } }); }
                catch (UserErrorException e) { throw new UserErrorException($"config {Key("lambda_grid")}: {e.Message} (the keys under {Key("distill")}; single-game students train {Key("single_game_steps")}, few-shot students {Key("few_shot_steps")})"); }
            }
        }
    }

    /// <summary>The parsed label mode of the datasets.</summary>
    public SobolevRL.Teachers.LabelMode LabelMode()
    {
        try { return SobolevRL.Teachers.LabelMode.Parse(Labels); }
        catch (UserErrorException e) { throw new UserErrorException($"config labels: {e.Message}"); }
    }

    /// <summary>
    /// Resolves every game's teacher file (the training games and the held-out one); an unknown game is one error naming
    /// the shipped games. Call before anything is written.
    /// </summary>
    public IReadOnlyDictionary<string, string> ResolveTeachers()
    {
        var teachers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string game in Games.Append(HeldOut))
        {
            try { teachers[game] = Path.GetFullPath(ShippedAgents.Resolve(TeacherOf(game))); }
            catch (UserErrorException)
            {
                throw new UserErrorException($"unknown game '{game}': no teacher {TeacherOf(game)}; the shipped games are {string.Join(", ", KnownGames)} (or set {Key("teachers")} to a folder with GAME/policy.onnx)");
            }
        }
        return teachers;
    }
}
