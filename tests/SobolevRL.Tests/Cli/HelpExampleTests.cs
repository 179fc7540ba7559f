using SobolevRL.Cli.Infrastructure;
using SobolevRL.Config;
using SobolevRL.Experiments;
using SobolevRL.Regression;
using SobolevRL.Teachers.Training;
using Spectre.Console.Cli;

namespace SobolevRL.Tests.Cli;

/// <summary>Every example a command's <c>--help</c> shows parses, and every <c>--set</c> key in it is one the command accepts.</summary>
public class HelpExampleTests
{
    // The commands that take --set, with the options their keys belong to.
    public static TheoryData<string, Type> ConfigCommands() => new()
    {
        { "demo", typeof(DemoOptions) },
        { "regression", typeof(RegressionOptions) },
        { "distill", typeof(DistillOptions) },
        { "teacher train", typeof(PpoOptions) },
        { "experiment data-efficiency", typeof(DataEfficiencyOptions) },
    };

    [Theory]
    [MemberData(nameof(ConfigCommands))]
    public void HelpExamplesUseKeysTheCommandAccepts(string command, Type options)
    {
        var (code, stdout, stderr) = CliProcess.Run([.. command.Split(' '), "--help"]);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("training.lr", stdout);
        var examples = stdout.Split('\n').SkipWhile(l => !l.StartsWith("EXAMPLES", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        Assert.NotEmpty(examples);
        foreach (string example in examples)
        {
            Assert.StartsWith($"sobolevrl {command} ", example);
            var words = example.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var sets = words.Zip(words.Skip(1)).Where(p => p.First == "--set").Select(p => p.Second).ToArray();
            Assert.NotEmpty(sets);
            // ConfigLoader.Load<T> is what the command calls with its --set values: an unknown key throws.
            var load = typeof(ConfigLoader).GetMethod(nameof(ConfigLoader.Load))!.MakeGenericMethod(options);
            load.Invoke(null, [null, sets]);
        }
    }

    [Fact]
    public void EveryExampleOfEveryCommandParses()
    {
        // Spectre checks each registered example against the command's options when asked to; none may fail.
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ValidateExamples();
            config.PropagateExceptions();
            config.Settings.StrictParsing = true;
            CommandCatalog.Register(config);
        });
        using var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try { Assert.Equal(0, app.Run(["--help"], TestContext.Current.CancellationToken)); }
        finally { Console.SetOut(saved); }
    }

    [Fact]
    public void VersionPrintsOursAndTheNativeRuntimes()
    {
        var (code, stdout, stderr) = CliProcess.Run("--version");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("sobolevrl ", stdout);
        Assert.Contains("libtorch 2.10.0 (libtorch-cpu-linux-x64), TorchSharp 0.107.0", stdout);
        Assert.Contains("ONNX Runtime 1.", stdout);
    }
}
