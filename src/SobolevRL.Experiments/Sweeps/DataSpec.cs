using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SobolevRL.Collection;
using SobolevRL.Replay;
using SobolevRL.Teachers;

namespace SobolevRL.Sweeps;

/// <summary>
/// The dataset of a run. Either an explicit <c>source</c> (a dataset directory or <c>smoke:…</c>), a smoke dataset
/// (no <c>teacher</c>: states labelled by the built-in random MinAtar teacher, in memory), or a dataset collected by
/// <c>sobolevrl collect</c> from (env, teacher, states, labels, seed), stored once under its content hash.
/// </summary>
/// <param name="Source">Explicit data source (the distillation config key <c>data</c>), or empty.</param>
/// <param name="Env">Environment id.</param>
/// <param name="Teacher">Teacher .onnx (absolute path), or empty.</param>
/// <param name="States">States to collect.</param>
/// <param name="Labels">Gradient label mode (off, full, vjp:K).</param>
/// <param name="Seed">Collection seed.</param>
public sealed record DataSpec(string Source, string Env, string Teacher, int States, string Labels, long Seed)
{
    /// <summary>Keys of the <c>data</c> section (sweepable as <c>data.KEY</c>).</summary>
    public static readonly string[] Keys = ["source", "env", "teacher", "states", "labels", "seed"];

    /// <summary>True when the dataset must be collected (a teacher is given and no explicit source).</summary>
    public bool NeedsCollection => Source.Length == 0 && Teacher.Length > 0;

    /// <summary>The label mode the dataset will carry (null for an explicit source, which is checked when opened).</summary>
    public LabelMode? LabelMode => Source.Length == 0 ? Teachers.LabelMode.Parse(Labels) : null;

    /// <summary>Builds the spec from <c>data</c> values (<paramref name="values"/>), resolving <c>teacher</c> relative to <paramref name="baseDir"/>.</summary>
    public static DataSpec From(IReadOnlyDictionary<string, string> values, string baseDir)
    {
        string Get(string key, string fallback) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
        string source = Get("source", "");
        string teacher = Get("teacher", "");
        if (teacher.Length > 0)
        {
            teacher = Path.GetFullPath(teacher, baseDir);
            if (!File.Exists(teacher)) throw new UserErrorException($"sweep data.teacher: '{Get("teacher", "")}' does not exist (paths are relative to the sweep file)");
        }
        if (!int.TryParse(Get("states", "2000"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int states) || states < 8)
            throw new UserErrorException($"sweep data.states: '{Get("states", "")}' must be an integer >= 8");
        if (!long.TryParse(Get("seed", "0"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) || seed < 0)
            throw new UserErrorException($"sweep data.seed: '{Get("seed", "")}' must be an integer >= 0");
        string labels = Get("labels", "full");
        try { _ = Teachers.LabelMode.Parse(labels); }
        catch (UserErrorException e) { throw new UserErrorException($"sweep data.labels: {e.Message}"); }
        if (source.Length > 0 && !source.StartsWith(SmokeDataset.Prefix, StringComparison.Ordinal))
        {
            source = Path.GetFullPath(source, baseDir);
            if (!Directory.Exists(source)) throw new UserErrorException($"sweep data.source: dataset directory '{Get("source", "")}' does not exist; give a directory written by 'sobolevrl collect' or smoke:ENV,STATES,LABELS");
        }
        if (source.Length == 0 && teacher.Length == 0 && Get("env", "").Length == 0)
            throw new UserErrorException("sweep data: give data.source, or data.env (with data.teacher to collect a dataset; without it a smoke dataset is used)");
        // A teacher plays the game of its card: data.env may be left out, so a grid over data.teacher spans games.
        string env = Get("env", "");
        if (env.Length == 0 && source.Length == 0 && teacher.Length > 0) env = ModelCard.ReadPolicy(teacher).Env;
        return new DataSpec(source, env, teacher, states, labels, seed);
    }

    /// <summary>Content hash of a collected dataset: env, teacher file bytes, states, labels and seed.</summary>
    public string ContentHash()
    {
        string teacherHash = Teacher.Length == 0 ? "" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Teacher)));
        return Hash($"collect\nenv={Env}\nteacher_sha256={teacherHash}\nstates={States}\nlabels={Labels}\nseed={Seed}");
    }

    /// <summary>What identifies the data of a run (part of the run id).</summary>
    public string Identity() => NeedsCollection ? "dataset:" + ContentHash() : "source:" + SmokeOrSource();

    /// <summary>The <c>--data</c> value of a run that does not need collection.</summary>
    public string SmokeOrSource() => Source.Length > 0 ? Source : $"{SmokeDataset.Prefix}{Env},{States.ToString(CultureInfo.InvariantCulture)},{Labels}";

    /// <summary>First 12 hex digits of the SHA-256 of <paramref name="text"/>.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
