using TorchSharp;

namespace SobolevRL.Cli.Commands;

/// <summary><c>sobolevrl info</c>: versions, threads and devices; proves the native libraries load.</summary>
public sealed class InfoCommand : Command<InfoCommand.Settings>
{
    /// <summary>Options of <c>info</c>.</summary>
    public sealed class Settings : MeasureSettings;

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var info = new
        {
            sobolevrl = VersionInfo.SobolevRL,
            dotnet = Environment.Version.ToString(),
            torchsharp = VersionInfo.TorchSharp,
            libtorch = VersionInfo.LibTorch,
            libtorch_threads = torch.get_num_threads(),
            cuda_available = torch.cuda.is_available(),
            onnxruntime = VersionInfo.OnnxRuntime,
            processors = Environment.ProcessorCount,
        };
        if (settings.Json) Output.Json(info);
        else Output.Table("sobolevrl info", ["what", "value"], info.GetType().GetProperties().Select(p => new[] { p.Name, p.GetValue(info)?.ToString() ?? "" }));
        return 0;
    }
}
