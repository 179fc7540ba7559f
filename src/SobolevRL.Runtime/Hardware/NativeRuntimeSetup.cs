namespace SobolevRL.Hardware;

/// <summary>
/// Process-wide libtorch settings that must be in place before any tensor work, in order: the OpenMP wait policy
/// (read by libgomp when libtorch loads), then the oneDNN convolution workaround (which loads libtorch). Every library
/// assembly that calls TorchSharp compiles <c>NativeRuntimeOnLoad.cs</c>, whose module initializer calls
/// <see cref="Apply"/>; so code that uses any SobolevRL library never runs a convolution without these settings, even
/// when its first call goes straight to TorchSharp in an upper layer.
/// </summary>
public static class NativeRuntimeSetup
{
    /// <summary>Applies the settings (idempotent: both steps are).</summary>
    public static void Apply()
    {
        ThreadWaitPolicy.Apply();
        OneDnnConvolutionWorkaround.Apply();
    }
}
