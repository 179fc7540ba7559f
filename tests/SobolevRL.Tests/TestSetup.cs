using System.Runtime.CompilerServices;
using SobolevRL.Hardware;

namespace SobolevRL.Tests;

/// <summary>Runs once when the test assembly loads, before any test touches libtorch.</summary>
internal static class TestSetup
{
    [ModuleInitializer]
    internal static void Initialize() => ThreadWaitPolicy.Apply();
}
