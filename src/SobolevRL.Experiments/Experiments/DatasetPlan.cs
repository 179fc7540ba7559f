using SobolevRL.Collection;
using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>
/// The dataset an experiment records with a teacher (config section <c>data</c>): where the teacher plays, how it acts,
/// how many states, which gradient labels. <see cref="Ensure"/> collects it, continues a killed collection, or reuses a
/// finished one.
/// </summary>
public sealed record DatasetPlan : IValidatable
{
    /// <summary>Environment id.</summary>
    public string Env { get; init; } = "MinAtar/Breakout-v1";

    /// <summary>Teacher .onnx (relative paths are also looked up above the executable, see <see cref="ShippedAgents"/>).</summary>
    public string Teacher { get; init; } = "agents/minatar/breakout/policy.onnx";

    /// <summary>States to collect (training + held-out).</summary>
    public long States { get; init; } = 50_000;

    /// <summary>Gradient labels (full or vjp:K).</summary>
    public string Labels { get; init; } = "full";

    /// <summary>How the teacher acts while collecting (sample: from its policy; greedy: arg-max).</summary>
    public ActingMode Acting { get; init; } = ActingMode.Sample;

    /// <summary>Env slots of the collection.</summary>
    public int Envs { get; init; } = 8;

    /// <summary>Fraction of the collected episodes held out (the test states).</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Collection seed (episodes start from seeds below 10⁹; evaluation uses seeds from 10⁹).</summary>
    public long Seed { get; init; }

    /// <summary>The parsed label mode.</summary>
    public LabelMode LabelMode() => Teachers.LabelMode.Parse(Labels);

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.Positive(States, path + ".states");
        try { _ = LabelMode(); }
        catch (UserErrorException e) { throw new UserErrorException($"config {path}.labels: {e.Message}"); }
        Check.Positive(Envs, path + ".envs");
        Check.InRange(HeldOutFraction, 0.01, 0.9, path + ".held_out_fraction");
    }

    /// <summary>
    /// First 12 hex digits of the SHA-256 of everything that decides the recorded dataset: env, the teacher file's bytes,
    /// states, labels, acting, env slots, held-out fraction and seed (the name of the dataset in a shared store).
    /// </summary>
    public string ContentHash()
    {
        string teacher = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(ShippedAgents.Resolve(Teacher))));
        string text = System.FormattableString.Invariant(
            $"collect\nenv={Env}\nteacher_sha256={teacher}\nstates={States}\nlabels={Labels}\nacting={Acting}\nenvs={Envs}\nheld_out={HeldOutFraction:R}\nseed={Seed}");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];
    }

    /// <summary>
    /// Makes sure <paramref name="directory"/> holds the finished dataset: collects it when the directory does not exist,
    /// continues the collection when its manifest is not complete, and leaves a complete one as it is.
    /// </summary>
    public void Ensure(string directory, Device device, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        bool exists = File.Exists(Path.Combine(directory, DatasetManifest.FileName));
        if (exists && DatasetReader.ReadManifest(directory).Complete) return;
        if (!exists && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new UserErrorException($"{directory} exists but is not a dataset; move it away or choose another `out`");
        if (!exists && Directory.Exists(directory)) Directory.Delete(directory);
        CollectionJob.Run(new CollectionJobOptions
        {
            Collection = new CollectionOptions
            {
                EnvId = Env,
                States = States,
                Labels = LabelMode(),
                Acting = Acting,
                Envs = Envs,
                Seed = Seed,
                HeldOutFraction = HeldOutFraction,
            },
            TeacherPath = ShippedAgents.Resolve(Teacher),
            OutDir = directory,
            Resume = exists,
            Device = device,
        }, progress, cancel);
    }
}
