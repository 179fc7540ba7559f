using System.Globalization;

namespace SobolevRL.Collection;

/// <summary>Who acts during collection.</summary>
public enum DriverKind
{
    /// <summary>The teacher acts.</summary>
    Teacher,
    /// <summary>The student acts, the teacher labels (DAgger).</summary>
    Student,
    /// <summary>The teacher acts with probability β, the student otherwise.</summary>
    Mix,
}

/// <summary>When a mixture draws who acts.</summary>
public enum MixPer
{
    /// <summary>Once per episode.</summary>
    Episode,
    /// <summary>At every step.</summary>
    Step,
}

/// <summary>The driver (config key <c>driver</c>): <c>teacher</c>, <c>student:FILE</c> or <c>mix:β</c> (the student then comes from config key <c>student</c>).</summary>
/// <param name="Kind">Who acts.</param>
/// <param name="Beta">Probability that the teacher acts (1 for teacher, 0 for student).</param>
/// <param name="StudentPath">Student file for student and mix drivers.</param>
public sealed record DriverSpec(DriverKind Kind, double Beta, string? StudentPath)
{
    /// <summary>The teacher acts.</summary>
    public static DriverSpec Teacher => new(DriverKind.Teacher, 1, null);

    /// <summary>Parses the option; <paramref name="student"/> is the separate student file (config key <c>student</c>), needed by <c>mix:β</c>.</summary>
    public static DriverSpec Parse(string text, string? student = null)
    {
        string t = text.Trim();
        if (t.Equals("teacher", StringComparison.OrdinalIgnoreCase)) return Teacher;
        if (t.StartsWith("student:", StringComparison.OrdinalIgnoreCase) && t.Length > 8) return new(DriverKind.Student, 0, t[8..]);
        if (t.StartsWith("mix:", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(t.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture, out double beta) && beta is >= 0 and <= 1)
        {
            if (string.IsNullOrEmpty(student)) throw new UserErrorException($"`driver` {text} needs the student that acts otherwise: add `student` FILE");
            return new(DriverKind.Mix, beta, student);
        }
        throw new UserErrorException($"`driver` '{text}' is not one of teacher, student:FILE, mix:β (0 <= β <= 1, with `student` FILE)");
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DriverKind.Teacher => "teacher",
        DriverKind.Student => $"student:{StudentPath}",
        _ => string.Create(CultureInfo.InvariantCulture, $"mix:{Beta}"),
    };
}
