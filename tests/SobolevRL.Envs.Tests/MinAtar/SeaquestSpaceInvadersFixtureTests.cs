using System.IO.Compression;

namespace SobolevRL.Envs.Tests.MinAtar;

/// <summary>
/// Checks that the committed Seaquest / Space Invaders fixtures are what the recording script produces from the
/// reference today. Runs only where a MinAtar v1.0.15 checkout is given in MINATAR_DIR.
/// </summary>
public class SeaquestSpaceInvadersFixtureTests
{
    [Fact]
    public void CommittedFixturesMatchAFreshRecording()
    {
        string? minatar = Environment.GetEnvironmentVariable("MINATAR_DIR");
        if (string.IsNullOrEmpty(minatar)) Assert.Skip("set MINATAR_DIR to a MinAtar v1.0.15 checkout to re-record the fixtures");
        if (PythonOracle.MissingReason() is { } reason) Assert.Skip(reason);

        string script = SeaquestSpaceInvadersReferenceReplay.FixturePath("record_reference_seaquest_si.py");
        string output = Directory.CreateTempSubdirectory("sobolevrl-minatar-").FullName;
        try
        {
            var (code, _, stderr) = PythonOracle.Run(
                $"import runpy, sys\nsys.argv = ['record', r'{output}']\nrunpy.run_path(r'{script}', run_name='__main__')\n");
            Assert.True(code == 0, stderr);
            foreach (string name in new[] { "seaquest.txt.gz", "space_invaders.txt.gz" })
                Assert.True(
                    Decompress(Path.Combine(output, name)) == Decompress(SeaquestSpaceInvadersReferenceReplay.FixturePath(name)),
                    $"{name} differs from a fresh recording; re-record it with the script");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static string Decompress(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        return reader.ReadToEnd();
    }
}
