using System.Globalization;
using SobolevRL.IO;

namespace SobolevRL.Experiments;

/// <summary>
/// A part of an experiment's students for one process of several (a Slurm array task): the groups of students whose
/// index modulo <see cref="Count"/> is <see cref="Index"/>. Each experiment numbers its groups (students that must run in
/// one process, e.g. a λ search's trials or a few-shot run and the run it starts from, share a group). Every part sets
/// the experiment up under <see cref="SetupLock"/>, trains its groups and writes no report; the experiment run again
/// without a part finds every student finished and reports.
/// </summary>
/// <param name="Index">This part, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Parts.</param>
public sealed record ExperimentShard(int Index, int Count)
{
    /// <summary>Parses <c>I/N</c> (a user error naming the <c>shard</c> setting otherwise).</summary>
    public static ExperimentShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
            return new ExperimentShard(i, n);
        throw new UserErrorException($"{UserErrorException.Key("shard")} '{text}': expected I/N with 0 <= I < N (e.g. $SLURM_ARRAY_TASK_ID/6)");
    }

    /// <summary>Whether the students of group <paramref name="group"/> belong to this part.</summary>
    public bool Owns(long group) => group % Count == Index;

    /// <summary>
    /// Start of the log line written when a student has been trained (followed by its run name): the parts of a sharded
    /// experiment say in their logs which students each trained; a student found finished is not logged.
    /// </summary>
    public const string TrainedLog = "trained student";

    /// <summary>
    /// The lock the parts of an experiment in <paramref name="outDir"/> take while they set it up (its config, datasets
    /// and teacher returns), so that parts started together do not write the same files at once.
    /// </summary>
    public static IDisposable SetupLock(string outDir, CancellationToken cancel)
    {
        Directory.CreateDirectory(outDir);
        return FileLock.Acquire(Path.Combine(outDir, "setup.lock"), TimeSpan.FromMilliseconds(250), cancel);
    }
}
