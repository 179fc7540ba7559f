// libtorch's process-wide settings (OpenMP wait policy, oneDNN workaround) before any command can touch libtorch.
SobolevRL.Hardware.NativeRuntimeSetup.Apply();
return CliApp.Run(args);
