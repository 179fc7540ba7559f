using System.Diagnostics;
using System.Globalization;
using SobolevRL.Onnx;

namespace SobolevRL.Tests.Teachers.Training;

/// <summary>
/// The walkthrough's PyTorch export (docs/atari/export_nature_cnn.py) run as written with Debian's PyTorch: a
/// checkpoint of the CleanRL-style network exported to ONNX gives PyTorch's own outputs in ONNX Runtime, and
/// <c>teacher card</c> writes the card the walkthrough says it does.
/// </summary>
[Trait("speed", "slow")] // starts Python and the CLI
public class PyTorchExportSnippetTests
{
    private const string Python = "/usr/bin/python3";

    private static (int Code, string Stdout, string Stderr) RunPython(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSnippetExportsACheckpointThatOnnxRuntimeReproduces(bool qValues)
    {
        Assert.SkipUnless(File.Exists(Python) && RunPython("-c", "import torch").Code == 0, $"needs Debian's PyTorch ({Python} with torch: apt-get install python3-torch)");
        string script = RepoFiles.RepoFile("docs/atari/export_nature_cnn.py");
        string dir = Directory.CreateTempSubdirectory("sobolevrl-torch-export-").FullName;
        try
        {
            string checkpoint = Path.Combine(dir, "agent.pt"), onnx = Path.Combine(dir, "teacher.onnx");
            // A checkpoint of the script's own module (other weights than its seed-0 default) and PyTorch's outputs on a fixed frame stack.
            string oracle = $"import sys; sys.path.insert(0, {Quote(Path.GetDirectoryName(script)!)}); import torch, export_nature_cnn as m; " +
                $"torch.manual_seed(7); p = m.Policy(5, {(qValues ? "True" : "False")}); torch.save(p.state_dict(), {Quote(checkpoint)}); " +
                "x = (torch.arange(4 * 84 * 84) % 251).float().reshape(1, 4, 84, 84); print(' '.join(repr(v) for v in p(x)[0].tolist()))";
            var (code, stdout, stderr) = RunPython("-c", oracle);
            Assert.True(code == 0, stderr);
            double[] expected = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            string[] args = qValues ? [script, "--actions", "5", "--out", onnx, "--checkpoint", checkpoint, "--q-values"] : [script, "--actions", "5", "--out", onnx, "--checkpoint", checkpoint];
            (code, _, stderr) = RunPython(args);
            Assert.True(code == 0, stderr);

            (code, stdout, stderr) = CliProcess.Run("teacher", "card", onnx);
            Assert.True(code == 0, $"{stdout} {stderr}");
            var card = ModelCard.Read(ModelCard.PathFor(onnx));
            Assert.Equal(5, card.Actions);
            Assert.Equal([4L, 84, 84], card.Input.Shape);
            Assert.Equal(1.0, card.Input.Scale); // the graph divides by 255 itself
            Assert.Equal(qValues ? "q_values" : "logits", card.PolicyOutput);

            var frames = new byte[4 * 84 * 84];
            for (int i = 0; i < frames.Length; i++) frames[i] = (byte)(i % 251);
            using var ort = new OrtPolicy(onnx, 1, card.PolicyOutput);
            float[] actual = ort.Run(frames, 1, 1f).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
