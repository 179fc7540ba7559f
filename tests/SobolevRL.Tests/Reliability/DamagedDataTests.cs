using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// Damaged shards (a flipped byte in any array, a truncated file, another shard's files under a listed name) are refused
/// by default with the list of damaged shards; <c>--allow-damaged</c> trains on the rest. A resume re-verifies committed
/// shards and never deletes a folder it did not write.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class DamagedDataTests : IDisposable
{
    private readonly string _dir = TempDir("damaged");

    public DamagedDataTests() => Ok(CliProcess.Run(Collect(_dir, 128)));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private string Shard(int i) => Path.Combine(_dir, DatasetWriter.ShardName(i));

    private static void FlipLastByte(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length - 1;
        int b = stream.ReadByte();
        stream.Position = stream.Length - 1;
        stream.WriteByte((byte)(b ^ 0x10));
    }

    [Fact]
    public void AFlippedByteInEveryArrayOfAShardATruncatedFileAndAForeignShardAreEachReportedDamaged()
    {
        var files = Directory.GetFiles(Shard(0), "*.npy").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 8, "expected every replay array of a shard");
        foreach (string file in files)
        {
            byte[] original = File.ReadAllBytes(file);
            FlipLastByte(file);
            using (var reader = DatasetReader.Open(_dir))
                Assert.True(reader.Damaged.Count == 1 && reader.Damaged[0].Contains("shard-000000", StringComparison.Ordinal), $"a flipped byte in {Path.GetFileName(file)} went unnoticed");
            File.WriteAllBytes(file, original);
        }

        string actions = Path.Combine(Shard(0), "actions.npy");
        byte[] kept = File.ReadAllBytes(actions);
        File.WriteAllBytes(actions, kept[..^3]);
        using (var reader = DatasetReader.Open(_dir)) Assert.Contains("torn", Assert.Single(reader.Damaged));
        File.WriteAllBytes(actions, kept);

        // Shard 1 copied over shard 0: every file is a valid array, only the manifest's checksums tell them apart.
        string aside = Shard(0) + "-aside";
        Directory.Move(Shard(0), aside);
        Directory.CreateDirectory(Shard(0));
        foreach (string f in Directory.GetFiles(Shard(1))) File.Copy(f, Path.Combine(Shard(0), Path.GetFileName(f)));
        using (var reader = DatasetReader.Open(_dir)) Assert.Contains("shard-000000", Assert.Single(reader.Damaged));
    }

    [Fact]
    public void DistillAndCollectResumeRefuseADamagedDatasetListingTheShardAndAllowDamagedTrainsOnTheRest()
    {
        FlipLastByte(Path.Combine(Shard(1), "frames.npy"));
        string run = TempDir("damaged-run");
        try
        {
            string[] distill = ["distill", "--data", _dir, "--student", "minatar:4,32", "--out", run, "--set", "optim.steps=5", "--set", "logging.eval_every=0", "--set", "logging.held_out_states=16", "--json"];
            string refused = OneClearError(CliProcess.Run(distill));
            Assert.Contains("shard shard-000001: frames.npy fails its SHA-256 check", refused);
            Assert.Contains("--allow-damaged", refused);
            Assert.False(Directory.Exists(run), "a refused distill must not create its run directory");

            var allowed = CliProcess.Run([.. distill, "--allow-damaged"]);
            Ok(allowed);
            Assert.Contains("warning:", allowed.Stderr + allowed.Stdout);

            string resume = OneClearError(CliProcess.Run("collect", "--resume", "--out", _dir, "--states", "200"));
            Assert.Contains("shard-000001", resume);
            Assert.Equal(128, DatasetReader.ReadManifest(_dir).States); // nothing appended to a damaged dataset
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, true);
        }
    }

    [Fact]
    public void AResumeKeepsAFolderItDidNotWriteAndADeletedManifestSuggestsACommandThatWorks()
    {
        string foreign = Path.Combine(_dir, "shard-000099");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "someone's data");
        string error = OneClearError(CliProcess.Run("collect", "--resume", "--out", _dir, "--states", "200"));
        Assert.Contains("shard-000099", error);
        Assert.True(File.Exists(Path.Combine(foreign, "notes.txt")), "the resume deleted a folder it did not write");
        Directory.Delete(foreign, true);

        File.Delete(Path.Combine(_dir, DatasetManifest.FileName));
        string missing = OneClearError(CliProcess.Run("distill", "--data", _dir, "--out", TempDir("never"), "--json"));
        Assert.Contains("no manifest.json", missing);
        Assert.Contains("a new --out directory", missing);
        string resume = OneClearError(CliProcess.Run("collect", "--resume", "--out", _dir));
        Assert.Contains("a new --out directory", resume);
        // The suggested command works: a new directory collects.
        string fresh = TempDir("fresh");
        try
        {
            Ok(CliProcess.Run(Collect(fresh, 64)));
        }
        finally
        {
            if (Directory.Exists(fresh)) Directory.Delete(fresh, true);
        }
    }
}
