using System.Diagnostics;

namespace SobolevRL.Tests.Cli;

/// <summary>Ctrl-C (SIGINT) on a long job: a clean stop, what was finished kept, exit code 130.</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class InterruptTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task SigintStopsADistillationCleanlyWithExitCode130AndKeepsItsCheckpoint()
    {
        // A shell that started the tests in the background ignores SIGINT, and children inherit that; python resets it
        // to the default before starting the CLI, as an interactive terminal would have it.
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} to start the CLI with SIGINT at its default disposition");
        string dir = Path.Combine(Path.GetTempPath(), $"sobolevrl-interrupt-{Guid.NewGuid():N}");
        try
        {
            string[] args = ["distill", "--data", "smoke:MinAtar/Breakout-v1,300,full", "--student", "minatar:4,16", "--set", "optim.steps=1000000",
                "--set", "logging.checkpoint_every=20", "--set", "logging.eval_every=0", "--threads", "1", "--out", dir];
            var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in new[] { "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])", CliProcess.Executable })
                psi.ArgumentList.Add(a);
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            string checkpoint = Path.Combine(dir, "checkpoint.bin");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(200, TestContext.Current.CancellationToken);
            Assert.True(File.Exists(checkpoint), "no checkpoint was written: " + (process.HasExited ? await stderr : "timeout"));
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the job did not stop after SIGINT");
            Assert.Equal(130, process.ExitCode);
            string errors = await stderr;
            Assert.Contains("error: stopped by an interrupt", errors);
            Assert.DoesNotContain("internal error", errors);
            await stdout;
            Assert.True(File.Exists(checkpoint));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
