using SobolevRL.Distillation;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;

namespace SobolevRL.Bench;

/// <summary>Families of <see cref="CostMode"/>, selectable with the benchmark's <c>modes</c> option.</summary>
public enum CostModeGroup
{
    /// <summary>The plain step (value loss only): the denominator of every ratio.</summary>
    Plain,
    /// <summary>The full input Jacobian of the log-policy, A = 3, 6, 18 actions.</summary>
    Full,
    /// <summary>K vector-Jacobian products (vjp:K), K = 1, 2, 4, 8, at A = 6.</summary>
    Vjp,
    /// <summary>The finite-difference estimator (loss.estimator=fd): M random input directions, two extra forward passes each.</summary>
    Fd,
    /// <summary>The exact term through autograd's double backward where the trainer would use explicit input-gradient ops.</summary>
    Autograd,
    /// <summary>Each <c>loss.derivative_form</c> (and the normalised-L2 row loss) on full labels at A = 6.</summary>
    Form,
}

/// <summary>One way of computing the training step's Sobolev term, as the trainer would with these loss settings.</summary>
/// <param name="Name">Short name in tables (e.g. <c>vjp:4</c>, <c>full A=18</c>, <c>fd M=4</c>).</param>
/// <param name="Group">Family.</param>
/// <param name="Actions">Actions A of the network (and of the labels).</param>
/// <param name="Sobolev">The term (<c>loss.sobolev</c>); <see cref="LabelMode.None"/> for the plain step.</param>
/// <param name="Loss">The loss settings (derivative form, row loss, estimator).</param>
/// <param name="Autograd">True to force autograd's double backward (<c>explicitGradients: false</c>).</param>
public sealed record CostMode(string Name, CostModeGroup Group, int Actions, LabelMode Sobolev, LossOptions Loss, bool Autograd = false)
{
    /// <summary>Actions of the full-Jacobian sweep.</summary>
    public static readonly int[] ActionCounts = [3, 6, 18];

    /// <summary>Projections of the vjp:K sweep.</summary>
    public static readonly int[] ProjectionCounts = [1, 2, 4, 8];

    /// <summary>Input directions of the finite-difference estimator measured.</summary>
    public static readonly int[] FdDirections = [1, 4];

    /// <summary>The default number of actions (every mode but the full-Jacobian sweep).</summary>
    public const int DefaultActions = LabelWorkload.Actions;

    /// <summary>The modes of <paramref name="groups"/>; autograd modes only when <paramref name="explicitApplies"/> (otherwise the trainer already uses autograd).</summary>
    public static IReadOnlyList<CostMode> For(IReadOnlyCollection<CostModeGroup> groups, bool explicitApplies)
    {
        var modes = new List<CostMode>();
        var rows = new LossOptions { Sobolev = "full" };
        // The plain step is always measured: it is every ratio's denominator (at each A of the full sweep).
        foreach (int a in ActionCounts)
            if (a == DefaultActions || groups.Contains(CostModeGroup.Full))
                modes.Add(new($"plain A={a}", CostModeGroup.Plain, a, LabelMode.None, new LossOptions()));
        if (groups.Contains(CostModeGroup.Full))
            foreach (int a in ActionCounts)
                modes.Add(new($"full A={a}", CostModeGroup.Full, a, LabelMode.Full, rows));
        if (groups.Contains(CostModeGroup.Vjp))
            foreach (int k in ProjectionCounts)
                modes.Add(new($"vjp:{k}", CostModeGroup.Vjp, DefaultActions, LabelMode.Vjp(k), new LossOptions { Sobolev = $"vjp:{k}" }));
        if (groups.Contains(CostModeGroup.Fd))
            foreach (int m in FdDirections)
                modes.Add(new($"fd M={m} (vjp:1)", CostModeGroup.Fd, DefaultActions, LabelMode.Vjp(1),
                    new LossOptions { Sobolev = "vjp:1", Estimator = SobolevEstimator.Fd, FdDirections = m }));
        if (groups.Contains(CostModeGroup.Autograd) && explicitApplies)
        {
            modes.Add(new("vjp:1 autograd", CostModeGroup.Autograd, DefaultActions, LabelMode.Vjp(1), new LossOptions { Sobolev = "vjp:1" }, Autograd: true));
            modes.Add(new($"full A={DefaultActions} autograd", CostModeGroup.Autograd, DefaultActions, LabelMode.Full, rows, Autograd: true));
        }
        if (groups.Contains(CostModeGroup.Form))
        {
            modes.Add(new("full normalised_l2", CostModeGroup.Form, DefaultActions, LabelMode.Full, rows with { DerivativeLoss = DerivativeLossKind.NormalisedL2 }));
            foreach (var form in new[] { DerivativeForm.Centered, DerivativeForm.Fisher, DerivativeForm.Relative, DerivativeForm.Projection })
                modes.Add(new($"full {form.ToString().ToLowerInvariant()}", CostModeGroup.Form, DefaultActions, LabelMode.Full, rows with { DerivativeForm = form }));
        }
        return modes;
    }

    /// <summary>
    /// How the student's derivatives are computed: <c>none</c>, <c>explicit</c> (input-gradient ops), <c>autograd</c>
    /// (double backward) or <c>finite differences</c>.
    /// </summary>
    public string Derivatives(bool explicitApplies) =>
        Sobolev.Kind == LabelKind.None ? "none"
        : Loss.Estimator == SobolevEstimator.Fd ? "finite differences"
        : explicitApplies && !Autograd ? "explicit" : "autograd";

    /// <summary>Parses a comma-separated list of groups (<c>all</c> for every group); a user error naming <paramref name="key"/> otherwise.</summary>
    public static IReadOnlyList<CostModeGroup> ParseGroups(string text, string key)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Contains("all", StringComparer.OrdinalIgnoreCase)) return Enum.GetValues<CostModeGroup>();
        return names.Select(n => Enum.TryParse<CostModeGroup>(n, ignoreCase: true, out var g) && !int.TryParse(n, out _) ? g
            : throw new UserErrorException($"{UserErrorException.Key(key)}: unknown mode group '{n}'; known: all, {string.Join(", ", Enum.GetNames<CostModeGroup>().Select(s => s.ToLowerInvariant()))}")).Distinct().ToArray();
    }
}
