using System.Runtime.InteropServices;
using Spectre.Console;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Builds the <c>sobolevrl</c> command tree and turns user errors into one clear line and a non-zero exit code.</summary>
public static class CliApp
{
    /// <summary>Exit code of errors the user can fix.</summary>
    public const int UserErrorExitCode = ExitCodes.UserError;

    /// <summary>Exit code of a job stopped by Ctrl-C (128 + SIGINT), as shells report an interrupted command.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>Exit code of unexpected failures.</summary>
    public const int InternalErrorExitCode = ExitCodes.InternalError;

    /// <summary>Columns laid out when stdout is not a terminal.</summary>
    public const int RedirectedWidth = 200;

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args is ["--version"])
        {
            Console.Out.WriteLine(VersionInfo.Text());
            return 0;
        }
        // Piped or logged output has no width; Spectre then assumes 80 columns and wraps table cells (inside numbers) and
        // help descriptions into narrow columns. Without a terminal nothing needs to fit, so lay out wide enough.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, RedirectedWidth);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("sobolevrl");
            config.PropagateExceptions();
            config.Settings.StrictParsing = true;
            CommandCatalog.Register(config);
        });
        bool verbose = args.Contains("--verbose");
        // Ctrl-C asks the running command to stop cleanly (its token is cancelled; a long job stops at its next step and
        // ends with exit code 130); a second Ctrl-C, if the command handles none itself, ends the process at once.
        using var interrupt = new CancellationTokenSource();
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
        {
            if (interrupt.IsCancellationRequested) return;
            signal.Cancel = true;
            interrupt.Cancel();
        });
        try
        {
            return app.Run(args, interrupt.Token);
        }
        catch (OperationCanceledException)
        {
            // A long job stopped by Ctrl-C (or SIGTERM) after its clean stop: the shell's convention for an interrupt.
            AnsiConsole.Console.Profile.Out.Writer.Flush();
            WriteError("stopped by an interrupt; what was finished is saved (--resume continues where a command has it)");
            return InterruptedExitCode;
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
        UserErrorException u => CliFlags.Render(u),
        AggregateException { InnerExceptions.Count: 1 } a => UserError(a.InnerException!),
        CommandParseException or CommandRuntimeException => e.Message.TrimEnd('.') + " (see --help)",
        NotFiniteNumberException nan => "policy: " + nan.Message,
        _ => UserErrors.MessageOf(e) ?? IO.IoErrors.Describe(e),
    };

    private static void WriteError(string message) => Console.Error.WriteLine($"error: {message}");
}
