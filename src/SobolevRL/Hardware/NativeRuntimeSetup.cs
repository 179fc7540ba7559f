using System.Runtime.CompilerServices;

namespace SobolevRL.Hardware;

/// <summary>
/// Process-wide libtorch settings that must be in place before any tensor work, applied when this assembly loads, in
/// order: the OpenMP wait policy (read by libgomp when libtorch loads), then the oneDNN convolution workaround (which
/// loads libtorch). Code that uses this library therefore never runs a convolution without them.
/// </summary>
internal static class NativeRuntimeSetup
{
#pragma warning disable CA2255 // A library module initializer is intended: these settings must precede any libtorch call.
    [ModuleInitializer]
    internal static void ApplyOnLoad()
    {
        ThreadWaitPolicy.Apply();
        OneDnnConvolutionWorkaround.Apply();
    }
#pragma warning restore CA2255
}
