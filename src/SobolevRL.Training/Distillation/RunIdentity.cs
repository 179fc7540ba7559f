using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SobolevRL.Replay;
using SobolevRL.Runs;

namespace SobolevRL.Distillation;

/// <summary>
/// What a distillation run is trained on, besides its config (which holds the student and the loss and is checked by
/// <see cref="Config.ConfigLoader.CheckUnchanged"/>): the identity of the dataset, by content. Saved as
/// <c>identity.json</c> when a run starts; a resume on other data (another dataset, the same one extended, or a smoke
/// source) is refused with the key that changed.
/// </summary>
public static class RunIdentity
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "identity.json";

    /// <summary>The identity keys of <paramref name="data"/>: content hash, teacher, environment, labels and split sizes.</summary>
    public static SortedDictionary<string, string> Of(IReplayDataset data)
    {
        var s = data.Summary;
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["data.content"] = data is OnDiskDataset disk ? ContentHash(disk.Manifest) : "in-memory (smoke) dataset",
            ["data.teacher_sha256"] = s.TeacherSha256,
            ["data.env"] = s.EnvId,
            ["data.labels"] = s.Labels.ToString(),
            ["data.train_states"] = s.TrainStates.ToString(CultureInfo.InvariantCulture),
            ["data.held_out_states"] = s.HeldOutStates.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// SHA-256 over the committed shards of a dataset (names, rows and the checksum of every file), the held-out episodes
    /// and the target: two datasets with the same hash hold the same states and labels.
    /// </summary>
    public static string ContentHash(DatasetManifest manifest)
    {
        var text = new StringBuilder();
        foreach (var shard in manifest.Shards)
        {
            text.Append(CultureInfo.InvariantCulture, $"{shard.Name}:{shard.Rows}");
            foreach (var (file, sum) in shard.Sha256.OrderBy(p => p.Key, StringComparer.Ordinal)) text.Append(CultureInfo.InvariantCulture, $":{file}={sum}");
            text.Append('\n');
        }
        text.Append("held_out:").AppendJoin(',', manifest.HeldOutEpisodes);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// Saves <paramref name="identity"/> in a new run; on resume refuses one that differs from the saved identity, naming
    /// the first key that changed. A run saved before identities existed gets its identity recorded, unchecked.
    /// </summary>
    public static void RecordOrCheck(RunDirectory run, IReadOnlyDictionary<string, string> identity, bool resume)
    {
        string path = run.File(FileName);
        if (resume && File.Exists(path))
        {
            var saved = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
            foreach (var (key, was) in saved.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                string now = identity.GetValueOrDefault(key) ?? "absent";
                if (now != was)
                    throw new UserErrorException($"cannot resume {run.Path}: {key} changed ({was} → {now}); the run was trained on other data. Resume with the original {UserErrorException.Key("data")}, or start a new run with another {UserErrorException.Key("out")}");
            }
            return;
        }
        RunDirectory.WriteAtomic(path, JsonSerializer.Serialize(identity, Json.Options));
    }
}
