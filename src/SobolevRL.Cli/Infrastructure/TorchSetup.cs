using SobolevRL.Hardware;
using TorchSharp;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Applies the device and thread options of a command to TorchSharp.</summary>
public static class TorchSetup
{
    /// <summary>Sets libtorch's thread count (when given) and returns the device.</summary>
    public static torch.Device Apply(DeviceSettings settings)
    {
        if (settings.Threads < 0) throw new UserErrorException($"--threads {settings.Threads}: must be >= 0 (0 keeps libtorch's default)");
        if (settings.Threads > 0) torch.set_num_threads(settings.Threads);
        return Devices.Parse(settings.Device);
    }
}
