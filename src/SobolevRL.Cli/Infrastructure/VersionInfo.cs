using System.Reflection;
using System.Text.Json;
using TorchSharp;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Versions of sobolevrl and of the native runtimes it was deployed with (<c>--version</c>, <c>info</c>).</summary>
public static class VersionInfo
{
    /// <summary>Version of sobolevrl.</summary>
    public static string SobolevRL => typeof(VersionInfo).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Version of the TorchSharp binding.</summary>
    public static string TorchSharp =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";

    /// <summary>Version of ONNX Runtime's managed package.</summary>
    public static string OnnxRuntime => typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// Version and flavour of the libtorch package deployed beside the executable (e.g. "2.10.0 (libtorch-cpu-linux-x64)"),
    /// read from the application's dependency manifest: TorchSharp does not report which libtorch it loaded.
    /// </summary>
    public static string LibTorch
    {
        get
        {
            string deps = Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()?.GetName().Name + ".deps.json");
            if (!File.Exists(deps)) return "unknown";
            using var doc = JsonDocument.Parse(File.ReadAllText(deps));
            if (!doc.RootElement.TryGetProperty("libraries", out var libraries)) return "unknown";
            foreach (var library in libraries.EnumerateObject())
            {
                string[] parts = library.Name.Split('/');
                if (parts.Length == 2 && parts[0].StartsWith("libtorch-", StringComparison.Ordinal)) return $"{parts[1]} ({parts[0]})";
            }
            return "unknown";
        }
    }

    /// <summary>The lines <c>sobolevrl --version</c> prints.</summary>
    public static string Text() => $"sobolevrl {SobolevRL}\nlibtorch {LibTorch}, TorchSharp {TorchSharp}\nONNX Runtime {OnnxRuntime}\n.NET {Environment.Version}";
}
