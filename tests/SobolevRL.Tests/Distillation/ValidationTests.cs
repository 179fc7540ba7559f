using SobolevRL.Evaluation;
using System.Globalization;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>The validation split (by episode, never held-out states), early stopping and best-snapshot selection.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class ValidationTests : IDisposable
{
    private readonly string _data = ReplayTestData.TempDirectory();

    public ValidationTests()
    {
        DistillFixtures.SingleThread();
        using var teacher = ReplayTestData.Teacher();
        ReplayTestData.Collect(_data, ReplayTestData.Options(states: 400, labels: "full"), teacher);
    }

    public void Dispose() => Directory.Delete(_data, true);

    [Fact]
    public void ValidationSplitTakesWholeTrainingEpisodesAndNeverHeldOutStates()
    {
        using var reader = DatasetReader.Open(_data);
        var plain = new ReplayIndex(reader, 1.0);
        var split = new ReplayIndex(reader, 1.0, 0.3);
        var rows = ReplayTestData.Rows(reader).ToDictionary(r => r.Row, r => r.Episode);
        var validationEpisodes = split.ValidationRows.Select(r => rows[r]).ToHashSet();
        var trainEpisodes = split.TrainRows.Select(r => rows[r]).ToHashSet();
        Assert.NotEmpty(validationEpisodes);
        Assert.NotEmpty(trainEpisodes);
        Assert.Empty(validationEpisodes.Intersect(trainEpisodes));
        Assert.DoesNotContain(validationEpisodes, reader.IsHeldOut);
        Assert.Equal(plain.TrainRows.Order(), split.TrainRows.Concat(split.ValidationRows).Order());
        Assert.Equal(plain.HeldOutRows, split.HeldOutRows);
        // Whole episodes: every row of a validation episode is a validation row.
        Assert.Equal(rows.Count(r => validationEpisodes.Contains(r.Value)), split.ValidationRows.Length);
        Assert.True(split.ValidationRows.Length >= 0.3 * plain.TrainRows.Length);

        using var data = OnDiskDataset.Open(_data);
        using var batch = data.Validation(0.3, 10_000, CPU);
        Assert.Equal(split.ValidationRows.Length, batch!.Size);
        Assert.Null(batch.GradLabels); // validation compares policies only: gradient labels are not read
        Assert.Null(batch.Projections);
        using var sampler = data.OpenSampler(16, 1, 0, CPU, 0.3);
        Assert.Equal(split.TrainRows.Length, sampler.TrainStates);
    }

    [Fact]
    public void BestValidationSnapshotIsTheStudentAndPatienceStopsTraining()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            using var data = OnDiskDataset.Open(_data);
            var options = DistillFixtures.Options("full", steps: 400) with
            {
                Optim = new OptimOptions { LearningRate = 3e-2, BatchSize = 32, Steps = 400 },
                Validation = new ValidationOptions { Fraction = 0.2, Every = 10, Patience = 3 },
            };
            var summary = DistillFixtures.Train(options, data, dir);
            var rows = File.ReadAllLines(Path.Combine(dir, ValidationTracker.FileName)).Skip(1)
                .Select(l => l.Split(',')).Select(c => (Step: long.Parse(c[0], CultureInfo.InvariantCulture), Kl: double.Parse(c[1], CultureInfo.InvariantCulture))).ToList();
            var best = rows.MinBy(r => r.Kl);
            Assert.Equal(best.Step, summary.ChosenStep);
            Assert.Equal(best.Kl, summary.ValidationKl, 12);
            Assert.Equal(rows[^1].Step, summary.Steps);
            Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => 10L * i), rows.Select(r => r.Step));
            if (summary.Steps < 400) Assert.Equal(3, rows.Count(r => r.Step > best.Step));
            Assert.Equal(new[] { $"best-{best.Step}.bin" }, Directory.EnumerateFiles(dir, "best-*.bin").Select(f => Path.GetFileName(f)).ToArray());
            Assert.True(summary.Epochs > 0);
            Assert.True(summary.CpuSeconds > 0);
            // Loading the finished run gives the student it ends with (the chosen snapshot, not the last checkpoint):
            // its held-out KL is the summary's.
            using var loaded = RunStudent.Load(dir, CPU);
            using var heldOut = data.HeldOut(options.Logging.HeldOutStates, CPU);
            Assert.Equal(summary.HeldOutKl, HeldOutMetrics.Compute(loaded, heldOut, loaded.Temperature).Kl, 1e-10);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void InMemoryValidationIsTheLastTrainRows()
    {
        var data = DistillFixtures.Full;
        using var sampler = data.OpenSampler(8, 1, 0, CPU, 0.1);
        long validationRows = data.Train.Size - sampler.TrainStates;
        Assert.Equal((long)Math.Ceiling(0.1 * data.Train.Size), validationRows);
        using var validation = data.Validation(0.1, 10_000, CPU);
        Assert.Equal(validationRows, validation!.Size);
        Assert.Null(validation.GradLabels);
        using var last = data.Train.Observations.narrow(0, sampler.TrainStates, validationRows);
        Assert.True(validation.Observations.eq(last).all().item<bool>());
    }
}
