using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SobolevRL.Hardware;

/// <summary>
/// libtorch 2.10 CPU (TorchSharp 0.107) computes some float32 convolution input-gradients wrongly when its oneDNN
/// (mkldnn) kernels are used: on this project's machines a 2→8 channel 3×3 stride-2 convolution on 10×10 inputs gives
/// wrong values, different between identical calls with 2 threads and NaN on some, while float64 and the forward pass
/// are right. With oneDNN off (at::globalContext().setUserEnabledMkldnn(false)) libtorch uses its native kernels,
/// which are right (tests/SobolevRL.Tests/Hardware). Exact input-gradients are the point of this project, so the switch
/// is flipped once per process, as soon as this assembly loads, before any convolution can run. NNPACK is switched off
/// too: libtorch would otherwise try it first on every convolution and warn that this CPU does not support it.
/// </summary>
public static class OneDnnConvolutionWorkaround
{
    private static int _applied;

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

#pragma warning disable CA2255 // A library module initializer is intended: the switch must precede any convolution.
    [ModuleInitializer]
    internal static void ApplyOnLoad() => Apply();
#pragma warning restore CA2255

    /// <summary>Disables libtorch's oneDNN and NNPACK kernels process-wide (idempotent). Returns false if libtorch offers no such switch.</summary>
    public static bool Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1)
        {
            return true;
        }
        try
        {
            _ = get_num_threads(); // makes TorchSharp load libtorch before the switch is looked up
            IntPtr context = GlobalContext();
            SetUserEnabledMkldnn(context, false);
            SetUserEnabledNnpack(context, false);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return false;
        }
    }
}
