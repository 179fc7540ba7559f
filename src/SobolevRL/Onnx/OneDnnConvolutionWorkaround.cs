using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>
/// libtorch 2.10 CPU (TorchSharp 0.107) computes float32 convolution input-gradients (conv backward / conv_transpose)
/// wrongly on this project's machines when its oneDNN (mkldnn) kernels are used: results differ between identical
/// calls with 2 threads and are deterministic but wrong with 1 thread, while float64 and the forward pass are
/// correct. Turning oneDNN off (at::globalContext().setUserEnabledMkldnn(false)) makes libtorch use its native
/// kernels, which are correct. Exact input-gradients are the point of the ONNX importer, so it applies this once.
/// </summary>
public static class OneDnnConvolutionWorkaround
{
    static int _applied;

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    /// <summary>Disables libtorch's oneDNN kernels process-wide (idempotent). Returns false if libtorch offers no such switch.</summary>
    public static bool Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1)
        {
            return true;
        }
        try
        {
            _ = get_num_threads(); // makes TorchSharp load libtorch before the switch is looked up
            SetUserEnabledMkldnn(GlobalContext(), false);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
