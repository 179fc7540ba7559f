using SobolevRL.Cli.Infrastructure;
using SobolevRL.Hardware;

ThreadWaitPolicy.Apply(); // before libtorch (and its OpenMP runtime) loads
return CliApp.Run(args);
