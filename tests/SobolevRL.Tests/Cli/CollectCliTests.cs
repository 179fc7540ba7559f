using System.Diagnostics;
using System.Runtime.CompilerServices;
using SobolevRL.Collection;
using SobolevRL.Tests.Replay;

namespace SobolevRL.Tests.Cli;

/// <summary>The real <c>collect</c> and <c>data info</c> processes with the shipped Space Invaders teacher.</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class CollectCliTests : IDisposable
{
    const string Env = "MinAtar/SpaceInvaders-v1";
    readonly string _root = ReplayTestData.TempDirectory();

    public CollectCliTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    static string Teacher([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "agents", "minatar", "spaceinvaders", "policy.onnx"));

    // Full float32 labels: no projection randomness, so two runs with the same seed agree bit for bit.
    static string[] Collect(string dir, long states, params string[] extra) => Collect(dir, states, 64, extra);

    static string[] Collect(string dir, long states, int shardStates, params string[] extra) =>
        ["collect", "--env", Env, "--teacher", Teacher(), "--labels", "full", "--grad-dtype", "float32", "--envs", "4", "--seed", "5",
         "--epsilon", "0.1", "--heldout-fraction", "0.25", "--shard-states", shardStates.ToString(System.Globalization.CultureInfo.InvariantCulture), "--states", states.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--out", dir, "--plain", .. extra];

    static JsonElement Ok((int Code, string Stdout, string Stderr) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    static string UserError((int Code, string Stdout, string Stderr) r)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}; stdout: {r.Stdout}; stderr: {r.Stderr}");
        Assert.Contains("error: ", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        return r.Stderr;
    }

    [Fact]
    public void SigkilledCollectionResumesWithNothingCommittedLostNothingDuplicatedAndAgreesWithAnUninterruptedOne()
    {
        string dir = Path.Combine(_root, "killed");
        var psi = new ProcessStartInfo(CliProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in Collect(dir, 1_000_000)) psi.ArgumentList.Add(a);
        DatasetManifest before;
        using (var p = Process.Start(psi)!)
        {
            var stderr = new System.Text.StringBuilder();
            p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            p.OutputDataReceived += (_, _) => { };
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            var clock = Stopwatch.StartNew();
            while (CommittedShards(dir) < 2)
            {
                Assert.False(p.HasExited, $"collect exited early: {stderr}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no shard was committed within 3 minutes");
                Thread.Sleep(10);
            }
            p.Kill(); // SIGKILL: no handler runs, nothing is flushed
            p.WaitForExit();
            before = DatasetReader.ReadManifest(dir);
        }
        Assert.False(before.Complete);
        long target = before.States + 300;

        JsonElement resumed = Ok(CliProcess.Run("collect", "--resume", "--out", dir, "--states", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"));
        Assert.True(resumed.GetProperty("resumed").GetBoolean());
        Assert.True(resumed.GetProperty("complete").GetBoolean());
        Assert.Equal(target, resumed.GetProperty("states").GetInt64());

        var after = DatasetReader.ReadManifest(dir);
        for (int i = 0; i < before.Shards.Count; i++)
            Assert.Equal(before.Shards[i], after.Shards[i], ShardComparer.Instance); // nothing committed lost or rewritten
        using var reader = DatasetReader.Open(dir);
        Assert.Empty(reader.Problems);
        Assert.Equal(target, reader.Rows);
        var rows = ReplayTestData.Rows(reader);
        Assert.Equal(rows.Count, rows.Select(r => (r.Episode, r.Step)).Distinct().Count()); // nothing duplicated
        foreach (var episode in rows.GroupBy(r => r.Episode))
            Assert.Equal(Enumerable.Range(0, episode.Count()), episode.Select(r => r.Step)); // no gaps
        foreach (var slot in before.InFlight.Where(s => s.CommittedSteps > 0))
            Assert.Contains(slot.Episode, reader.Manifest.PartialEpisodes);

        // Before the kill the collection was an uninterrupted one: its shards are byte-identical to a fresh run's.
        // After it, every (episode, step) both runs hold has the same frame, action and teacher labels.
        string reference = Path.Combine(_root, "reference");
        Ok(CliProcess.Run(Collect(reference, target, "--json")));
        var expected = DatasetReader.ReadManifest(reference);
        for (int i = 0; i < before.Shards.Count; i++)
            Assert.Equal(expected.Shards[i], before.Shards[i], ShardComparer.Instance);
        using var other = DatasetReader.Open(reference);
        var referenceRows = ReplayTestData.Rows(other).ToDictionary(r => (r.Episode, r.Step), r => r.Row);
        int shared = 0;
        foreach (var (episode, step, row) in rows.Where(r => r.Row >= before.States))
        {
            if (!referenceRows.TryGetValue((episode, step), out long refRow)) continue;
            shared++;
            var (s1, l1) = reader.Locate(row);
            var (s2, l2) = other.Locate(refRow);
            foreach (string array in new[] { ReplayArrays.Frames, ReplayArrays.Actions, ReplayArrays.Rewards, ReplayArrays.Logits, ReplayArrays.GradLabels })
                Assert.True(s1[array].Row(l1).SequenceEqual(s2[array].Row(l2)), $"{array} of episode {episode} step {step} differs from the uninterrupted run");
        }
        Assert.True(shared > 0, "the resumed part shares no state with the uninterrupted run");
    }

    [Fact]
    public void DiskFullStopsWithAClearMessageEveryCommittedShardIntactAndResumesOnceThereIsSpace()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the disk-full test mounts a size-limited tmpfs: Linux only");
        string mount = Path.Combine(_root, "small-disk");
        Directory.CreateDirectory(mount);
        var (code, _, err) = Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mount);
        if (code != 0) Assert.Skip($"needs permission to mount a size-limited tmpfs (root or CAP_SYS_ADMIN) to produce a real ENOSPC: mount said {err.Trim()}");
        try
        {
            string dir = Path.Combine(mount, "data");
            string stderr = UserError(CliProcess.Run(Collect(dir, 100_000, shardStates: 8))); // about 80 KB per shard
            Assert.Contains("intact", stderr);
            Assert.Contains("--resume", stderr);
            var manifest = DatasetReader.ReadManifest(dir);
            Assert.True(manifest.Shards.Count >= 1, "the test needs at least one committed shard before the disk fills; raise the tmpfs size");
            using (var reader = DatasetReader.Open(dir))
            {
                Assert.Equal(manifest.Shards.Count, reader.Shards.Count);
                Assert.Equal(manifest.States, reader.Rows);
                Assert.DoesNotContain(reader.Problems, p => manifest.Shards.Any(s => p.Contains(s.Name + " ", StringComparison.Ordinal) && !p.Contains("not in the manifest")));
            }

            Assert.Equal(0, Run("mount", "-o", "remount,size=16m", mount).Code);
            long target = manifest.States + 100;
            JsonElement resumed = Ok(CliProcess.Run("collect", "--resume", "--out", dir, "--states", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"));
            Assert.True(resumed.GetProperty("complete").GetBoolean());
            var after = DatasetReader.ReadManifest(dir);
            for (int i = 0; i < manifest.Shards.Count; i++) Assert.Equal(manifest.Shards[i], after.Shards[i], ShardComparer.Instance);
            using var final = DatasetReader.Open(dir);
            Assert.Empty(final.Problems);
            Assert.Equal(target, final.Rows);
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    [Fact]
    public void DataInfoCountsEpisodesReturnsSplitAndBytesAndReportsATornShard()
    {
        string dir = Path.Combine(_root, "info");
        Ok(CliProcess.Run(Collect(dir, 400, "--json")));
        JsonElement info = Ok(CliProcess.Run("data", "info", dir, "--json"));
        Assert.Equal(400, info.GetProperty("states").GetInt64());
        Assert.Equal("full", info.GetProperty("labels").GetString());
        Assert.Empty(info.GetProperty("problems").EnumerateArray());
        // frames 600 B, action 4, reward 4, terminated 1, truncated 1, episode 8, step 4, logits 4·4, full float32 labels 4·600·4.
        Assert.Equal(600 + 4 + 4 + 1 + 1 + 8 + 4 + 4 * 4 + 4 * 600 * 4, info.GetProperty("bytes_per_state").GetInt64());
        Assert.Equal(4 * 600 * 4, info.GetProperty("arrays").EnumerateArray().Single(a => a.GetProperty("array").GetString() == "grads").GetProperty("bytes_per_state").GetInt64());

        using (var reader = DatasetReader.Open(dir))
        {
            var rows = ReplayTestData.Rows(reader);
            var heldOut = rows.Where(r => reader.IsHeldOut(r.Episode)).ToList();
            JsonElement split = info.GetProperty("split");
            Assert.Equal(heldOut.Count, split.GetProperty("held_out_states").GetInt64());
            Assert.Equal(400 - heldOut.Count, split.GetProperty("train_states").GetInt64());
            Assert.Equal(rows.Select(r => r.Episode).Distinct().Count(), split.GetProperty("episodes").GetInt32());
            // Returns of finished training episodes, summed here from the raw arrays.
            var sums = new List<double>();
            foreach (var e in rows.GroupBy(r => r.Episode).Where(g => !reader.IsHeldOut(g.Key)))
            {
                var last = reader.Locate(e.Last().Row);
                if (e.First().Step != 0 || !(last.Shard[ReplayArrays.Terminated].Get<bool>(last.Local) || last.Shard[ReplayArrays.Truncated].Get<bool>(last.Local))) continue;
                sums.Add(e.Sum(r => { var (s, l) = reader.Locate(r.Row); return (double)s[ReplayArrays.Rewards].Get<float>(l); }));
            }
            JsonElement train = info.GetProperty("returns").GetProperty("train");
            Assert.Equal(sums.Count, train.GetProperty("episodes").GetInt32());
            if (sums.Count > 0) Assert.Equal(sums.Average(), train.GetProperty("mean").GetDouble(), 1e-6);
        }

        using (var f = new FileStream(Path.Combine(dir, "shard-000002", "logits.npy"), FileMode.Open)) f.SetLength(f.Length - 4);
        JsonElement torn = Ok(CliProcess.Run("data", "info", dir, "--json"));
        Assert.Equal(400 - 64, torn.GetProperty("states").GetInt64());
        Assert.Contains(torn.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("shard-000002") && p.GetString()!.Contains("torn"));
    }

    [Fact]
    public void ShardedLabellingCollectsTheSameStatesWithLabelsEqualUpToRounding()
    {
        string whole = Path.Combine(_root, "whole"), sharded = Path.Combine(_root, "sharded");
        Ok(CliProcess.Run(Collect(whole, 200, "--json")));
        Ok(CliProcess.Run(Collect(sharded, 200, "--label-shards", "2", "--json")));
        using var a = DatasetReader.Open(whole);
        using var b = DatasetReader.Open(sharded);
        Assert.Equal(a.Rows, b.Rows);
        for (long row = 0; row < a.Rows; row++)
        {
            var (s1, l1) = a.Locate(row);
            var (s2, l2) = b.Locate(row);
            foreach (string array in new[] { ReplayArrays.Frames, ReplayArrays.Actions, ReplayArrays.Episode, ReplayArrays.Step })
                Assert.True(s1[array].Row(l1).SequenceEqual(s2[array].Row(l2)), $"{array} of row {row} differs");
            foreach (string array in new[] { ReplayArrays.Logits, ReplayArrays.GradLabels })
            {
                var x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(s1[array].Row(l1));
                var y = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(s2[array].Row(l2));
                for (int i = 0; i < x.Length; i++)
                    Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5 * (1 + Math.Abs(x[i])), $"{array} of row {row}, element {i}: {x[i]} vs {y[i]}");
            }
        }
    }

    [Fact]
    public void MismatchedTeacherExistingOutputAndNewerSchemaAreClearErrorsThatWriteNothing()
    {
        string wrongEnv = Path.Combine(_root, "wrong-env");
        string stderr = UserError(CliProcess.Run("collect", "--env", "MinAtar/Breakout-v1", "--teacher", Teacher(), "--states", "10", "--out", wrongEnv));
        Assert.Contains("(6, 10, 10)", stderr);
        Assert.False(Directory.Exists(wrongEnv), "a refused collection created its output directory");

        string dir = Path.Combine(_root, "small");
        Ok(CliProcess.Run(Collect(dir, 64, "--json")));
        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        stderr = UserError(CliProcess.Run(Collect(dir, 64)));
        Assert.Contains("already exists", stderr);
        Assert.Contains("--resume", stderr);
        foreach (var (path, bytes) in files) Assert.True(File.ReadAllBytes(path).SequenceEqual(bytes), $"{path} changed");

        string manifest = Path.Combine(dir, DatasetManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"schema_version\": 1", "\"schema_version\": 99", StringComparison.Ordinal));
        stderr = UserError(CliProcess.Run("data", "info", dir));
        Assert.Contains("schema version 99", stderr);
        Assert.Contains("update sobolevrl", stderr);
        stderr = UserError(CliProcess.Run("collect", "--resume", "--out", dir, "--states", "200"));
        Assert.Contains("schema version 99", stderr);
    }

    [Fact]
    public void StudentAndMixtureDriversRecordTheStudentAndAMixtureNeedsItAgainToResume()
    {
        string student = Path.Combine(_root, "student");
        Ok(CliProcess.Run(Collect(student, 64, "--driver", "student:" + Teacher(), "--json")));
        var manifest = DatasetReader.ReadManifest(student);
        Assert.Equal("student:" + Teacher(), manifest.Collection.Driver);
        Assert.Equal(CollectionJob.Sha256Of(Teacher()), manifest.Collection.StudentSha256);

        Assert.Contains("--student", UserError(CliProcess.Run(Collect(Path.Combine(_root, "no-student"), 64, "--driver", "mix:0.5"))));
        string mix = Path.Combine(_root, "mix");
        Ok(CliProcess.Run(Collect(mix, 64, "--driver", "mix:0.5", "--student", Teacher(), "--json")));
        Assert.Equal("mix:0.5", DatasetReader.ReadManifest(mix).Collection.Driver);
        Assert.Contains("--student", UserError(CliProcess.Run("collect", "--resume", "--out", mix, "--states", "128")));
        Assert.Equal(128, Ok(CliProcess.Run("collect", "--resume", "--out", mix, "--states", "128", "--student", Teacher(), "--json")).GetProperty("states").GetInt64());
        // data info shows the extended dataset against the new target, never "128 of 64".
        var (code, table, stderr) = CliProcess.Run("data", "info", mix);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("128 of 64", table);
        Assert.Matches(@"128 (of 128 \(complete\)|\(complete; a resume raised the target from the 64 first recorded\))", table);
    }

    static int CommittedShards(string dir)
    {
        try
        {
            return File.Exists(Path.Combine(dir, DatasetManifest.FileName)) ? DatasetReader.ReadManifest(dir).Shards.Count : 0;
        }
        catch (UserErrorException)
        {
            return 0;
        }
    }

    static (int Code, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"{file}: {e.Message}");
        }
    }

    /// <summary>Shards are equal when name, rows and every file's SHA-256 are.</summary>
    sealed class ShardComparer : IEqualityComparer<ShardRecord>
    {
        public static readonly ShardComparer Instance = new();

        public bool Equals(ShardRecord? x, ShardRecord? y) => x != null && y != null && x.Name == y.Name && x.Rows == y.Rows
            && x.Sha256.Count == y.Sha256.Count && x.Sha256.All(p => y.Sha256.TryGetValue(p.Key, out string? v) && v == p.Value);

        public int GetHashCode(ShardRecord obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
