using SobolevRL.Bench;

namespace SobolevRL.Tests.Bench;

/// <summary>
/// <c>bench sobolev-cost</c> at a tiny size: every architecture × mode and label mode is there once, with the ratios to the
/// plain step of the same network, finite positive figures and the report's files. Never a timing assertion.
/// </summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // measures every architecture and starts the CLI: left out of the fast subset (make test-fast)
public class SobolevCostTests
{
    [Fact]
    public void TinyRunHasEveryModeOnceWithSaneFigures()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = SobolevCostJob.Run(new SobolevCostOptions
            {
                Batch = 2,
                LabelBatch = 2,
                Budget = 0.01,
                MinSteps = 1,
                Shards = 1,
                Out = dir,
            });
            Assert.Equal(CostArchitecture.All.Select(a => a.Name), result.Architectures.Select(a => a.Name));
            foreach (var arch in result.Architectures)
            {
                Assert.True(arch.Parameters > 0);
                // Explicit input-gradient ops apply to the Nature CNNs only (strided Conv/ReLU/Linear Sequentials).
                Assert.Equal(arch.Name.StartsWith("nature", StringComparison.Ordinal), arch.ExplicitGradients);
                var expected = CostMode.For(Enum.GetValues<CostModeGroup>(), arch.ExplicitGradients).Select(m => m.Name).Order();
                var steps = result.Steps.Where(s => s.Architecture == arch.Name).ToArray();
                Assert.Equal(expected, steps.Select(s => s.Mode).Order());
                foreach (var s in steps)
                {
                    Assert.True(s.Cost.WallMs > 0 && double.IsFinite(s.Cost.WallMs), $"{arch.Name} {s.Mode} wall {s.Cost.WallMs}");
                    Assert.True(s.Cost.CpuMs >= 0 && double.IsFinite(s.Cost.CpuMs), $"{arch.Name} {s.Mode} cpu {s.Cost.CpuMs}");
                    Assert.True(s.Cost.Calls >= 1);
                    Assert.True(s.WallRatio > 0 && double.IsFinite(s.WallRatio));
                    Assert.NotNull(s.Cost.PeakBytes); // Linux: /proc/self/status and clear_refs
                    if (s.Group == CostModeGroup.Plain)
                    {
                        Assert.Equal(1.0, s.WallRatio);
                        Assert.Equal("none", s.Derivatives);
                    }
                    else Assert.NotEqual("none", s.Derivatives);
                }
                Assert.All(steps.Where(s => s.Group == CostModeGroup.Fd), s => Assert.Equal("finite differences", s.Derivatives));
                Assert.All(steps.Where(s => s.Group == CostModeGroup.Autograd), s => Assert.Equal("autograd", s.Derivatives));
                Assert.Equal(arch.ExplicitGradients ? "explicit" : "autograd", steps.Single(s => s.Mode == "vjp:1").Derivatives);
                var labels = result.Labels.Where(l => l.Architecture == arch.Name).ToArray();
                Assert.Equal(SobolevCostJob.LabelModes.Select(m => m.Name).Order(), labels.Select(l => l.Mode).Order());
                Assert.Equal(1.0, labels.Single(l => l.Mode == "none").WallRatio);
                Assert.All(labels, l => Assert.True(l.WallMsPerState > 0 && double.IsFinite(l.WallRatio)));
            }
            foreach (string file in SobolevCostReport.Plots.Append("report.md").Append("summary.json"))
                Assert.True(new FileInfo(Path.Combine(dir, file)).Length > 0, file);
            string report = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| impala |", report);
            Assert.Contains("full A=18", report);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
            Assert.Equal(result.Steps.Count, summary.RootElement.GetProperty("steps").GetArrayLength());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CommandPrintsJsonAndWritesTheReport()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-cost-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("bench", "sobolev-cost", "--archs", "minatar", "--modes", "vjp", "--batch", "2",
                "--label-batch", "2", "--budget", "0.01", "--min-steps", "1", "--threads", "1", "--out", dir, "--json");
            Assert.True(code == 0, stderr);
            var json = JsonDocument.Parse(stdout).RootElement;
            var modes = json.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("mode").GetString()).ToArray();
            Assert.Equal(new[] { "plain A=6", "vjp:1", "vjp:2", "vjp:4", "vjp:8" }, modes);
            Assert.True(json.GetProperty("steps")[1].GetProperty("cpu_ratio").GetDouble() > 0);
            Assert.True(File.Exists(Path.Combine(dir, "cost_vs_k.png")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--archs", "resnet50", "--archs")]
    [InlineData("--modes", "jacobian", "--modes")]
    [InlineData("--batch", "100", "--batch")]
    [InlineData("--budget", "0", "--budget")]
    public void BadOptionsAreOneClearError(string flag, string value, string named)
    {
        var (code, stdout, stderr) = CliProcess.Run("bench", "sobolev-cost", flag, value);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr.Trim());
        Assert.Contains(named, stderr);
        Assert.Equal("", stdout);
    }
}
