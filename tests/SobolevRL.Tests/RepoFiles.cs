using System.Runtime.CompilerServices;

namespace SobolevRL.Tests;

/// <summary>Files of the repository the tests run from (shipped teachers, sources, project files).</summary>
internal static class RepoFiles
{
    /// <summary>Absolute path of <paramref name="relative"/>, a path from the repository root.</summary>
    public static string RepoFile(string relative) => Path.GetFullPath(Path.Combine(Root(), relative));

    // This file sits in tests/SobolevRL.Tests/, two levels below the root.
    private static string Root([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "..", "..");
}
