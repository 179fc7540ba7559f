using SobolevRL.Cli.Commands;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>The verbs of <c>sobolevrl</c>; each command lives in its own file under Commands/.</summary>
public static class CommandCatalog
{
    /// <summary>Adds every command to <paramref name="config"/>.</summary>
    public static void Register(IConfigurator config)
    {
        config.AddCommand<InfoCommand>("info").WithDescription("Show versions, threads and devices; check that the native libraries load.");
    }
}
