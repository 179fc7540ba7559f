using TorchSharp;

namespace SobolevRL.Hardware;

/// <summary>Parses <c>--device cpu|cuda|cuda:N</c> into a TorchSharp device, with a clear error when it is not available.</summary>
public static class Devices
{
    /// <summary>Returns the device for <paramref name="name"/>; throws <see cref="UserErrorException"/> when CUDA is asked for but absent.</summary>
    public static torch.Device Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new UserErrorException($"`device` {name}: CUDA is not available in this TorchSharp build; use `device` cpu, or install TorchSharp's CUDA packages (libtorch-cuda-*) on a machine with a GPU");
            return new torch.Device(n);
        }
        throw new UserErrorException($"`device` {name}: unknown device; use cpu, cuda or cuda:N");
    }
}
