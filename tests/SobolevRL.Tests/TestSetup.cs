using System.Runtime.CompilerServices;
using SobolevRL.Hardware;

namespace SobolevRL.Tests;

/// <summary>Runs once when the test assembly loads, before any test touches libtorch.</summary>
internal static class TestSetup
{
    /// <summary>Applies libtorch's process-wide settings first (as the library assemblies' module initializers do).</summary>
    [ModuleInitializer]
    internal static void Initialize() => NativeRuntimeSetup.Apply();
}
