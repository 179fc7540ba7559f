namespace SobolevRL.Experiments;

/// <summary>Finds files shipped with the project (the teachers under <c>agents/</c>) from any working directory.</summary>
public static class ShippedAgents
{
    /// <summary>
    /// <paramref name="path"/> as given when it exists; otherwise, for a relative path, the first match relative to the
    /// directories above the executable (a build output lies inside the repository). Throws
    /// <see cref="UserErrorException"/> when there is none.
    /// </summary>
    public static string Resolve(string path)
    {
        if (File.Exists(path)) return path;
        if (!Path.IsPathRooted(path))
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, path);
                if (File.Exists(candidate)) return candidate;
            }
        throw new UserErrorException($"teacher '{path}' not found (looked in the working directory and above the executable); run from the repository root or give the teacher's path");
    }
}
