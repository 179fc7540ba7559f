using System.Globalization;
using System.Text.RegularExpressions;
using SobolevRL.IO;
using SobolevRL.Tests.Onnx;
using SobolevRL.Tests.Teachers;

namespace SobolevRL.Tests.Cli;

/// <summary>The teacher commands on PyTorch 1.13 exports (issue 19; fixtures of make_teacher_fixtures.py).</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class TeacherWildCliTests : IDisposable
{
    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    string Copy(string name)
    {
        string path = Path.Combine(_fx.Dir, name + ".onnx");
        File.Copy(OnnxFixtures.PathOf(name + ".onnx"), path, overwrite: true);
        return path;
    }

    string States(string name, int repeat = 1)
    {
        NpyArray obs = NpzFile.Read(OnnxFixtures.PathOf(name + ".ref.npz"))["obs"];
        float[] values = Enumerable.Repeat(obs.ToFloats(), repeat).SelectMany(v => v).ToArray();
        string path = Path.Combine(_fx.Dir, name + ".states.npy");
        NpyFile.Write(path, NpyArray.FromFloats(values, [obs.Shape[0] * repeat, .. obs.Shape[1..]]));
        return path;
    }

    [Theory]
    [InlineData("scalar_constants_op17")]
    [InlineData("fixed_batch_cnn_op17")]
    [InlineData("uint8_input_cnn_op17")]
    [InlineData("softmax_head_cnn_op17")]
    public void CheckPasses(string name)
    {
        var (code, stdout, stderr) = CliProcess.Run("teacher", "check", Copy(name), "--states", "6", "--json");
        Assert.True(code == 0, $"exit {code}; {stdout}; {stderr}");
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void CheckFailsOnASoftmaxHeadReadAsLogits()
    {
        var (code, stdout, stderr) = CliProcess.Run("teacher", "check", Copy("softmax_head_cnn_op17"), "--output-kind", "logits", "--states", "6", "--json");
        Assert.True(code == 1, $"exit {code}; {stdout}; {stderr}");
        JsonElement kind = JsonDocument.Parse(stdout).RootElement.GetProperty("output_kind")[0];
        Assert.Equal("Softmax", kind.GetProperty("final_op").GetString());
        Assert.Contains("to probabilities", kind.GetProperty("problem").GetString());
    }

    [Fact]
    public void LabelWithAMissingOutputFolderFailsBeforeLabelling()
    {
        string teacher = Copy("fixed_batch_cnn_op17");
        string missing = Path.Combine(_fx.Dir, "no-such-folder", "labels.npz");
        var (code, stdout, stderr) = CliProcess.Run("teacher", "label", teacher, "--states", States("fixed_batch_cnn_op17"), "--out", missing);
        Assert.True(code == 2, $"exit {code}; {stdout}; {stderr}");
        Assert.StartsWith("error: --out", stderr);
        Assert.Contains("does not exist", stderr);
        Assert.DoesNotContain("label:", stderr); // no labelling progress: refused before the work
    }

    [Fact]
    public void LabelPicksBatchOneForAFixedBatchGraphAndItsProgressRateMatchesTheJson()
    {
        string teacher = Copy("fixed_batch_cnn_op17");
        string output = Path.Combine(_fx.Dir, "labels.npz");
        var (code, stdout, stderr) = CliProcess.Run("teacher", "label", teacher, "--states", States("fixed_batch_cnn_op17", repeat: 8),
            "--out", output, "--jacobian", "full", "--batch", "8", "--json");
        Assert.True(code == 0, $"exit {code}; {stdout}; {stderr}");
        var reference = NpzFile.Read(OnnxFixtures.PathOf("fixed_batch_cnn_op17.ref.npz"));
        var labels = NpzFile.Read(output);
        float[] expected = reference["logp"].ToFloats(), actual = labels["logp"].ToFloats();
        Assert.Equal(expected.Length * 8, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i % expected.Length], actual[i], 1e-5f);

        // The last progress line and the JSON summary measure the same work: before the fix, the progress clock
        // started after the first (warm-up) batch and reported hundreds of times the real rate.
        double json = JsonDocument.Parse(stdout).RootElement.GetProperty("states_per_s").GetDouble();
        Match line = Regex.Matches(stderr, @"label: 32/32 states \(100%\), ([0-9.]+) states/s").Last();
        double progress = double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(progress / json, 0.5, 2.0);
    }

    [Fact]
    public void CardWritesATemplateThatLoadsAndInspectSpellsValuesAsTheCardDoes()
    {
        string teacher = Copy("softmax_head_cnn_op17");
        var (code, stdout, stderr) = CliProcess.Run("teacher", "card", teacher);
        Assert.True(code == 0, $"exit {code}; {stdout}; {stderr}");
        Assert.Contains("a person must check", stdout);
        ModelCard card = ModelCard.Read(ModelCard.PathFor(teacher));
        Assert.Equal(PolicyOutputKind.Probabilities, card.OutputKind);
        Assert.Equal("probs", card.PolicyOutput);
        Assert.Equal([2L, 10, 10], card.Input.Shape);
        Assert.Equal(5, card.Actions);

        (code, _, stderr) = CliProcess.Run("teacher", "card", teacher);
        Assert.True(code == 2, stderr);
        Assert.Contains("--force", stderr);

        (code, stdout, stderr) = CliProcess.Run("teacher", "inspect", teacher, "--json");
        Assert.True(code == 0, stderr);
        JsonElement inspected = JsonDocument.Parse(stdout).RootElement.GetProperty("card");
        Assert.Equal("probabilities", inspected.GetProperty("output_kind").GetString());
        Assert.Equal("nchw", inspected.GetProperty("input_layout").GetString());
    }

    [Fact]
    public void CardProposesTheRecurrentStatePairsOfAnLstmGraph()
    {
        string teacher = Copy("lstm_breakout_op17");
        var (code, stdout, stderr) = CliProcess.Run("teacher", "card", teacher, "--env", "MinAtar/Breakout-v1");
        Assert.True(code == 0, $"exit {code}; {stdout}; {stderr}");
        Assert.Contains("h → h_out, c → c_out", stdout);
        ModelCard card = ModelCard.Read(ModelCard.PathFor(teacher));
        Assert.Equal([("h", "h_out"), ("c", "c_out")], card.Recurrent!.State.Select(p => (p.Input, p.Output)));
        (code, stdout, stderr) = CliProcess.Run("teacher", "check", teacher, "--states", "16");
        Assert.True(code == 0, $"exit {code}; {stdout}; {stderr}");
        Assert.Contains("carried state", stdout);
    }
}
