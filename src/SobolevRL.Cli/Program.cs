using System.Runtime.CompilerServices;
using SobolevRL;
using SobolevRL.Cli.Infrastructure;

// Load the library first: its module initializer applies libtorch's process-wide settings (OpenMP wait policy, oneDNN
// workaround; see SobolevRL.Hardware.NativeRuntimeSetup) before any command can touch libtorch.
RuntimeHelpers.RunModuleConstructor(typeof(UserErrorException).Module.ModuleHandle);
return CliApp.Run(args);
