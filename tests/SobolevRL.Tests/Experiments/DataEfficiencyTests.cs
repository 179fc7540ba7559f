using SobolevRL.Experiments;
using SobolevRL.Reporting;
using SobolevRL.Runs;
using SobolevRL.Tests.Distillation;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class DataEfficiencyTests
{
    public DataEfficiencyTests() => DistillFixtures.SingleThread();

    [Fact]
    public void GrowingFractionsTrainRegularAndSobolevStudentsAndAKilledExperimentResumes()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = new DataEfficiencyOptions
            {
                Data = ExperimentFixtures.Data(600),
                Fractions = [20, 100],
                Seeds = 1,
                Episodes = 1,
                MaxEpisodeSteps = 200,
                Distill = ExperimentFixtures.Distill(20),
            };
            using (var cancel = new CancellationTokenSource())
            {
                var stopAfterFirst = new ActionProgress(p => { if (p.Task == "data-efficiency" && p.Done == 1) cancel.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() => DataEfficiencyExperiment.Run(options, dir, CPU, stopAfterFirst, cancel.Token));
            }
            string first = Path.Combine(dir, "runs", "p20-s0-regular", StudentRuns.ResultFile);
            var finishedAt = File.GetLastWriteTimeUtc(first);

            var result = DataEfficiencyExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken);
            Assert.Equal(finishedAt, File.GetLastWriteTimeUtc(first));
            Assert.Equal(4, result.Rows.Count);
            var small = result.Rows.First(r => r.Percent == 20).TrainStates;
            Assert.True(small > 0 && small < result.TrainStates, $"{small} of {result.TrainStates}");
            Assert.All(result.Rows.Where(r => r.Percent == 100), r => Assert.Equal(result.TrainStates, r.TrainStates));
            Assert.All(result.Rows, r => Assert.InRange(r.ActionError, 0, 1));
            Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, DataEfficiencyReport.ResultsFile)).Length);
            var table = File.ReadAllLines(Path.Combine(dir, DataEfficiencyReport.TableFile));
            Assert.Equal(3, table.Length);
            Assert.Contains("gradient_error_regular_mean,gradient_error_regular_std,gradient_error_sobolev_mean,gradient_error_sobolev_std", table[0]);

            // 600 states are a few episodes: every fraction and the held-out set are flagged, with their sizes.
            var warnings = DataEfficiencyExperiment.SmallDataWarnings(options, Path.Combine(dir, "dataset"), result.HeldOutStates);
            Assert.Contains(warnings, w => w.StartsWith("warning: fraction 20% holds ", StringComparison.Ordinal) && w.Contains("fewer than 10", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.StartsWith($"warning: {result.HeldOutStates} held-out states, fewer than 1000", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(dir, "action_error.png")));
            Assert.Contains("| 20 |", File.ReadAllText(Path.Combine(dir, RunDirectory.ReportFile)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ABadFractionOrAnOffSobolevTermIsAUserError()
    {
        var e = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { Fractions = [0] }.Validate(""));
        Assert.Contains("fractions", e.Message);
        e = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { Sobolev = "off" }.Validate(""));
        Assert.Contains("sobolev", e.Message);
    }
}
