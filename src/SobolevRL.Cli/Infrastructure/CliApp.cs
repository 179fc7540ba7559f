using Spectre.Console;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Builds the <c>sobolevrl</c> command tree and turns user errors into one clear line and a non-zero exit code.</summary>
public static class CliApp
{
    /// <summary>Exit code of errors the user can fix.</summary>
    public const int UserErrorExitCode = 2;

    /// <summary>Exit code of unexpected failures.</summary>
    public const int InternalErrorExitCode = 70;

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("sobolevrl");
            config.PropagateExceptions();
            config.Settings.StrictParsing = true;
            CommandCatalog.Register(config);
        });
        bool verbose = args.Contains("--verbose");
        try
        {
            return app.Run(args);
        }
        catch (Exception e) when (UserError(e) is { } message)
        {
            AnsiConsole.Console.Profile.Out.Writer.Flush();
            WriteError(message);
            if (verbose) Console.Error.WriteLine(e);
            return UserErrorExitCode;
        }
        catch (Exception e)
        {
            WriteError($"internal error: {e.GetType().Name}: {e.Message}" + (verbose ? "" : " (run again with --verbose for the stack trace)"));
            if (verbose) Console.Error.WriteLine(e);
            return InternalErrorExitCode;
        }
    }

    // The message of an error the user can fix, or null for an internal failure.
    private static string? UserError(Exception e) => e switch
    {
        UserErrorException u => u.Message,
        Envs.Core.EnvException env => env.Message,
        Onnx.OnnxModelException onnx => onnx.Message,
        CommandParseException or CommandRuntimeException => e.Message.TrimEnd('.') + " (see --help)",
        AggregateException { InnerExceptions.Count: 1 } a => UserError(a.InnerException!),
        NotFiniteNumberException nan => "policy: " + nan.Message,
        _ => IO.IoErrors.Describe(e),
    };

    private static void WriteError(string message) => Console.Error.WriteLine($"error: {message}");
}
