using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// Finds ROM files: <c>&lt;rom id&gt;.bin</c> (e.g. <c>breakout.bin</c>, <c>space_invaders.bin</c>) in the directory given
/// by the <c>roms</c> option or the <c>SOBOLEVRL_ROMS</c> environment variable. ROMs are not redistributable; users
/// bring their own.
/// </summary>
public static class AleRoms
{
    /// <summary>Environment variable naming the ROM directory.</summary>
    public const string DirectoryVariable = "SOBOLEVRL_ROMS";

    /// <summary>File name of a game's ROM.</summary>
    public static string FileName(string romId) => romId + ".bin";

    /// <summary>
    /// The ROM file of <paramref name="romId"/> in the directory <paramref name="option"/> (when given) or
    /// <paramref name="environmentValue"/>. Throws <see cref="EnvException"/> naming the file and where it was looked for
    /// when no directory is configured or the file is not there.
    /// </summary>
    public static string Find(string romId, string? option, string? environmentValue)
    {
        ArgumentNullException.ThrowIfNull(romId);
        string file = FileName(romId);
        string? directory = !string.IsNullOrWhiteSpace(option) ? option : environmentValue;
        string source = !string.IsNullOrWhiteSpace(option) ? "option roms" : DirectoryVariable;
        if (string.IsNullOrWhiteSpace(directory))
            throw new EnvException($"no ROM directory for {file}: set {DirectoryVariable} (or the option roms) to a directory holding {file}. ROMs are not shipped; use your own copy, named in snake case as ALE's ROM id.");
        string path = Path.GetFullPath(Path.Combine(directory, file));
        if (!File.Exists(path))
            throw new EnvException($"ROM {file} not found: looked for {path} (ROM directory from {source}). Put your copy of the ROM there under that name.");
        return path;
    }
}
