using SobolevRL.Cli.Infrastructure;

return CliApp.Run(args);
