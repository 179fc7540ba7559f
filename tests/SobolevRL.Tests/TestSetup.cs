using System.Runtime.CompilerServices;
using SobolevRL.Hardware;

namespace SobolevRL.Tests;

/// <summary>Runs once when the test assembly loads, before any test touches libtorch.</summary>
internal static class TestSetup
{
    /// <summary>Loads the SobolevRL library, whose module initializer applies libtorch's process-wide settings first.</summary>
    [ModuleInitializer]
    internal static void Initialize() => RuntimeHelpers.RunModuleConstructor(typeof(ThreadWaitPolicy).Module.ModuleHandle);
}
