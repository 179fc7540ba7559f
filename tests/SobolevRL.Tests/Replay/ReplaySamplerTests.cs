using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Replay;

public sealed class ReplaySamplerTests : IDisposable
{
    private const int Stack = 3;
    private readonly string _dir = ReplayTestData.TempDirectory();

    public ReplaySamplerTests()
    {
        using var teacher = ReplayTestData.Teacher(frameStack: Stack);
        ReplayTestData.Collect(_dir, ReplayTestData.Options(states: 300, frameStack: Stack, labels: "vjp:2"), teacher);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a == b).all().item<bool>();

    private static byte[] Bytes(Tensor t) => t.to(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray();

    [Fact]
    public void SameSeedAndPositionGiveTheSameBatches()
    {
        using var a = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 16, Seed = 5 });
        using var b = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 16, Seed = 5, StartPosition = 2 });
        using var c = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 16, Seed = 6 });
        var batches = Enumerable.Range(0, 3).Select(_ => a.Next()).ToList();
        Assert.Equal(3, a.Position);
        using var resumed = b.Next();
        Assert.Equal(3, b.Position);
        Assert.True(Same(batches[2].Observations, resumed.Observations));
        Assert.True(Same(batches[2].GradLabels!, resumed.GradLabels!));
        Assert.True(Same(batches[2].Projections!, resumed.Projections!));
        Assert.True(Same(batches[2].TeacherActions, resumed.TeacherActions));
        using var other = c.Next();
        Assert.False(Same(batches[0].TeacherActions, other.TeacherActions) && Same(batches[0].Observations, other.Observations));
        Assert.Equal(new long[] { 16, 4 * Stack, 10, 10 }, batches[0].Observations.shape);
        Assert.Equal(new long[] { 16, 2, 4 * Stack, 10, 10 }, batches[0].GradLabels!.shape);
        Assert.Equal(ScalarType.Float32, batches[0].GradLabels!.dtype);
        foreach (var batch in batches) batch.Dispose();
    }

    [Fact]
    public void BatchesDoNotDependOnTheNumberOfWorkersOrThePrefetchDepth()
    {
        using var one = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 8, Seed = 3, Workers = 1, Prefetch = 1 });
        using var three = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 8, Seed = 3, Workers = 3, Prefetch = 2 });
        using var resumed = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 8, Seed = 3, Workers = 2, StartPosition = 5 });
        for (int p = 0; p < 9; p++)
        {
            using var a = one.Next();
            using var b = three.Next();
            using var c = p >= 5 ? resumed.Next() : null;
            foreach (var other in c is null ? [b] : new[] { b, c })
            {
                Assert.True(Same(a.Observations, other.Observations), $"batch {p}: observations");
                Assert.True(Same(a.GradLabels!, other.GradLabels!), $"batch {p}: gradient labels");
                Assert.True(Same(a.Projections!, other.Projections!), $"batch {p}: projections");
                Assert.True(Same(a.TeacherLogits, other.TeacherLogits) && Same(a.TeacherActions, other.TeacherActions), $"batch {p}: logits, actions");
            }
        }
        Assert.Equal(9, three.Position);
        Assert.Throws<UserErrorException>(() => new ReplaySampler(_dir, new ReplaySamplerOptions { Workers = 0 }));
    }

    [Fact]
    public void GradientLabelsAreTheStoredFloat16ValuesOfTheSampledRows()
    {
        using var sampler = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 16, Seed = 4 });
        using var reader = DatasetReader.Open(_dir);
        int[] rows = sampler.RowsOf(0);
        using var batch = sampler.Next();
        var labels = batch.GradLabels!.data<float>().ToArray();
        int perState = labels.Length / rows.Length;
        for (int i = 0; i < rows.Length; i++)
        {
            var (shard, local) = reader.Locate(rows[i]);
            var expected = GradEncoding.Decode(shard[ReplayArrays.GradLabels].Row(local), reader.Manifest.GradStorage());
            Assert.Equal(expected, labels.AsSpan(i * perState, perState).ToArray());
        }
    }

    [Fact]
    public void StacksHoldFramesOfTheirOwnEpisodePaddedWithItsFirstFrameAndMatchWhatTheTeacherSaw()
    {
        using var sampler = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 64, Seed = 1 });
        using var reader = DatasetReader.Open(_dir);
        var byEpisodeStep = ReplayTestData.Rows(reader).ToDictionary(r => (r.Episode, r.Step), r => r.Row);
        using var teacher = ReplayTestData.Teacher(frameStack: Stack);
        int starts = 0;
        for (int p = 0; p < 4; p++)
        {
            int[] rows = sampler.RowsOf(p);
            using var batch = sampler.Next();
            var obs = Bytes(batch.Observations);
            int frame = 4 * 10 * 10;
            for (int i = 0; i < rows.Length; i++)
            {
                var (shard, local) = reader.Locate(rows[i]);
                long e = shard[ReplayArrays.Episode].Get<long>(local);
                int s = shard[ReplayArrays.Step].Get<int>(local);
                if (s < Stack - 1) starts++;
                Assert.False(reader.IsHeldOut(e));
                for (int k = 0; k < Stack; k++)
                {
                    long source = byEpisodeStep[(e, Math.Max(0, s - (Stack - 1 - k)))];
                    var (fs, fl) = reader.Locate(source);
                    Assert.True(fs[ReplayArrays.Frames].Row(fl).SequenceEqual(obs.AsSpan((i * Stack + k) * frame, frame)), $"row {rows[i]} (episode {e} step {s}) frame {k}");
                }
            }
            using var logits = teacher.Logits(batch.Observations);
            Assert.True(logits.allclose(batch.TeacherLogits, rtol: 1e-4, atol: 1e-5), "the teacher's logits of the rebuilt stacks differ from the stored labels");
        }
        Assert.True(starts > 0, "no state near an episode start was sampled");
    }

    [Fact]
    public void SplitsNeverShareEpisodesAndTrainFractionsAreNested()
    {
        using var all = new ReplaySampler(_dir, new ReplaySamplerOptions { Seed = 1 });
        using var reader = DatasetReader.Open(_dir);
        var train = all.Index.TrainRows.Select(r => reader.Episode(r)).ToHashSet();
        var heldOut = all.Index.HeldOutRows.Select(r => reader.Episode(r)).ToHashSet();
        Assert.NotEmpty(heldOut);
        Assert.Empty(train.Intersect(heldOut));
        Assert.Equal(reader.Rows, all.Index.TrainRows.Length + all.Index.HeldOutRows.Length);
        Assert.Equal(all.Dataset.TrainStates, all.Index.TrainRows.Length);
        long heldOutCount = all.HeldOut(50).Sum(b => { using (b) return b.Size; });
        Assert.Equal(all.Dataset.HeldOutStates, heldOutCount);

        HashSet<long> Episodes(double f)
        {
            using var s = new ReplaySampler(_dir, new ReplaySamplerOptions { TrainFraction = f, Seed = 9 });
            Assert.True(s.Index.TrainRows.Length >= f * all.Index.TrainRows.Length);
            return s.Index.TrainRows.Select(r => reader.Episode(r)).ToHashSet();
        }
        var quarter = Episodes(0.25);
        var half = Episodes(0.5);
        Assert.True(quarter.IsSubsetOf(half) && half.IsSubsetOf(train));
        Assert.True(quarter.Count < train.Count);
    }

    [Fact]
    public void NumpySnippetLoadsTheDatasetAndRebuildsTheSameStacks()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Skip("needs /usr/bin/python3 with numpy");
        using var sampler = new ReplaySampler(_dir, new ReplaySamplerOptions { BatchSize = 24, Seed = 2 });
        int[] rows = sampler.RowsOf(0);
        using var batch = sampler.Next();
        string script = Path.Combine(_dir, "check.py");
        File.WriteAllText(script, NumpySnippet.Text + """

            import sys, hashlib
            m, arrays, where = load(sys.argv[1])
            starts = [0]
            for a in arrays: starts.append(starts[-1] + len(a["episode"]))
            for g in map(int, sys.argv[2:]):
                j = max(i for i in range(len(arrays)) if starts[i] <= g)
                x = stacked(m, arrays, where, j, g - starts[j])
                print(x.shape, hashlib.sha256(x.tobytes()).hexdigest(), float(arrays[j]["logits"][g - starts[j]].sum()))
            """);
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(_dir);
        foreach (int r in rows) psi.ArgumentList.Add(r.ToString(CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (stderr.Contains("No module named 'numpy'")) Assert.Skip("numpy is not installed for /usr/bin/python3");
        Assert.True(p.ExitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows.Length, lines.Length);
        var obs = Bytes(batch.Observations);
        var logits = batch.TeacherLogits.sum(1).data<float>().ToArray();
        int size = 4 * Stack * 10 * 10;
        for (int i = 0; i < rows.Length; i++)
        {
            string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(obs.AsSpan(i * size, size)));
            Assert.StartsWith($"({4 * Stack}, 10, 10) {hash} ", lines[i]);
            Assert.Equal(logits[i], float.Parse(lines[i].Split(' ')[^1], CultureInfo.InvariantCulture), 1e-4);
        }
    }
}
