using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SobolevRL.Hardware;

/// <summary>
/// libtorch 2.10 CPU (TorchSharp 0.107, oneDNN 3.7.1) computes some float32 convolution input-gradients wrongly when its
/// oneDNN (mkldnn) kernels are used: on this project's machines (AMD Zen 5, AVX-512) the JIT backward-data kernels give
/// wrong values or NaN, on 1 and 2 threads, with fewer output channels than the SIMD block (16 or 8 floats), e.g. a 2→8
/// channel 3×3 stride-2 convolution on 10×10 inputs with AVX-512 kernels, or 3→1 3×3 with the instruction set capped at
/// AVX2 (<c>ONEDNN_MAX_CPU_ISA</c>), while the forward pass, weight gradients and float64 are right. Capped at AVX or
/// SSE4.1 oneDNN was right on 200 random shapes, its convolutions only ≈ 1.1× cheaper than libtorch's native kernels,
/// which are right (tests/SobolevRL.Tests/Hardware; tests/benchmarks/OneDnnKernelSweep.cs re-checks any instruction set).
/// Exact input-gradients are the point of this project, so oneDNN is switched off
/// (at::globalContext().setUserEnabledMkldnn(false)) once per process, as soon as this assembly loads
/// (<see cref="NativeRuntimeSetup"/>), before any convolution can run. NNPACK is switched off too: libtorch would
/// otherwise try it first on every convolution and warn that this CPU does not support it.
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
