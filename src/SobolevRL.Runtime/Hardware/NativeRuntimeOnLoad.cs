using System.Runtime.CompilerServices;

namespace SobolevRL.Hardware;

/// <summary>
/// Applies <see cref="NativeRuntimeSetup"/> when the assembly that compiles this file loads. One source file, linked
/// into every library project that calls TorchSharp (see their .csproj), because a module initializer runs only for its
/// own assembly and an upper layer may reach libtorch before touching the runtime assembly.
/// </summary>
internal static class NativeRuntimeOnLoad
{
#pragma warning disable CA2255 // A library module initializer is intended: these settings must precede any libtorch call.
    [ModuleInitializer]
    internal static void ApplyOnLoad() => NativeRuntimeSetup.Apply();
#pragma warning restore CA2255
}
