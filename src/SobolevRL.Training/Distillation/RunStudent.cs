using SobolevRL.Optimizers;
using SobolevRL.Config;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// Rebuilds the TorchSharp student of a distillation run from its config and last checkpoint, or the best validation
/// snapshot the run chose (the weights it exported).
/// </summary>
public static class RunStudent
{
    /// <summary>The student of <paramref name="runPath"/> on <paramref name="device"/>, with the weights it ends with (<see cref="ValidationTracker.LoadChosen"/>).</summary>
    public static ModulePolicy Load(string runPath, Device device)
    {
        var run = RunDirectory.Open(runPath);
        string configPath = run.File(RunDirectory.ConfigFile);
        string cardPath = ModelCard.PathFor(run.File(DistillTrainer.OnnxFile));
        if (!File.Exists(configPath) || !File.Exists(cardPath))
            throw new UserErrorException($"'{runPath}' is not a finished distillation run (needs {RunDirectory.ConfigFile} and {DistillTrainer.OnnxFile}.card.json)");
        var options = ConfigLoader.Load<DistillOptions>(configPath, []);
        var card = ModelCard.Read(cardPath);
        var spec = StudentSpec.Parse(options.Student);
        var net = spec.Build(card.Input.Shape, card.Actions);
        using var optimizer = new KeptAliveAdam(net.parameters(), 1e-3);
        using var rmsprop = new KeptAliveRmsProp(net.parameters(), 1e-3);
        using var generator = new Generator(0);
        Checkpoint.Load(run.File(Checkpoint.FileName), net, options.Optim.Optimizer == OptimizerKind.RmsProp ? rmsprop : optimizer, generator);
        string summaryPath = run.File(RunDirectory.SummaryFile);
        if (File.Exists(summaryPath) && System.Text.Json.JsonSerializer.Deserialize<DistillSummary>(File.ReadAllText(summaryPath), Json.Options) is { } summary)
            ValidationTracker.LoadChosen(net, run.Path, summary);
        return new ModulePolicy(net.to(device), card.Input.Shape, card.Actions, card.Input.Scale, card.Temperature);
    }
}
