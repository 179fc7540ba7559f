using System.Reflection;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// Finds and loads SobolevRL's ALE shim (<c>libsobolevrl_ale.so</c>, which links ALE's <c>libale.so</c>). The path comes
/// from the <c>ale_lib</c> option or the <c>SOBOLEVRL_ALE_LIB</c> environment variable. One process uses one shim: the
/// first successful <see cref="Load"/> fixes it. This class owns the DllImport resolver of the SobolevRL.Envs assembly.
/// </summary>
public static class AleLibrary
{
    /// <summary>Environment variable naming the shim library file.</summary>
    public const string PathVariable = "SOBOLEVRL_ALE_LIB";

    /// <summary>ALE's own documentation, which says how to build and install its C++ library.</summary>
    public const string AleDocumentation = "https://ale.farama.org/getting-started/";

    /// <summary>How to get the shim, appended to every "not available" error.</summary>
    public const string BuildHint =
        "Install ALE's C++ library as ALE's documentation describes (" + AleDocumentation + "; " +
        "see envs/SobolevRL.Envs/Ale/README.md), build the shim with `make ale ALE_DIR=<ALE install prefix>`, and set " +
        PathVariable + "=<repo>/artifacts/ale-shim/libsobolevrl_ale.so (or pass the option ale_lib=<path>).";

    private static readonly Lock Gate = new();
    private static nint _handle;
    private static string? _loadedPath;
    private static int _loadedAbiVersion;
    private static bool _resolverInstalled;

    /// <summary>Full path of the loaded shim, or null before the first <see cref="Load"/>.</summary>
    public static string? LoadedPath
    {
        get
        {
            lock (Gate) return _loadedPath;
        }
    }

    /// <summary>
    /// The shim path to use: <paramref name="option"/> when given, else <paramref name="environmentValue"/>; throws
    /// <see cref="EnvException"/> saying how to build it when neither is set.
    /// </summary>
    public static string ResolvePath(string? option, string? environmentValue)
    {
        if (!string.IsNullOrWhiteSpace(option)) return option;
        if (!string.IsNullOrWhiteSpace(environmentValue)) return environmentValue;
        throw new EnvException($"the ALE shim library is not configured: neither the option ale_lib nor {PathVariable} is set. {BuildHint}");
    }

    /// <summary>
    /// Loads the shim at <paramref name="path"/> (once per process) and checks its interface version. Throws
    /// <see cref="EnvException"/> when the file is missing, does not load (e.g. <c>libale.so</c> not found), is of
    /// another version, or another shim is already loaded.
    /// </summary>
    public static void Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new EnvException($"the ALE shim library {full} does not exist. {BuildHint}");
        lock (Gate)
        {
            if (_loadedPath == full) return;
            // Opened and checked before the one-shim rule, so a broken file is reported as such whatever is loaded.
            nint handle = OpenChecked(full, out int version);
            if (_loadedPath is not null)
            {
                NativeLibrary.Free(handle);
                throw new EnvException($"the ALE shim is already loaded from {_loadedPath}; this process cannot also load {full} (one shim per process)");
            }
            _handle = handle;
            _loadedPath = full;
            _loadedAbiVersion = version;
            if (!_resolverInstalled)
            {
                NativeLibrary.SetDllImportResolver(typeof(AleLibrary).Assembly, Resolve);
                _resolverInstalled = true;
            }
        }
    }

    private static unsafe nint OpenChecked(string full, out int version)
    {
        nint handle;
        try
        {
            handle = NativeLibrary.Load(full);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // The loader's message spans lines (one per path it tried); errors are one line.
            string reason = string.Join("; ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            throw new EnvException($"the ALE shim library {full} does not load ({reason}); it needs ALE's libale.so where it was built against. {BuildHint}", e);
        }
        if (!NativeLibrary.TryGetExport(handle, "sobolevrl_ale_abi_version", out nint abiVersion))
        {
            NativeLibrary.Free(handle);
            throw new EnvException($"{full} is not SobolevRL's ALE shim (it has no sobolevrl_ale_abi_version). {BuildHint}");
        }
        version = ((delegate* unmanaged<int>)abiVersion)();
        if (version < AleNative.MinimumAbiVersion || version > AleNative.AbiVersion)
        {
            NativeLibrary.Free(handle);
            throw new EnvException($"the ALE shim {full} has interface version {version}, this SobolevRL needs {AleNative.MinimumAbiVersion} to {AleNative.AbiVersion}; rebuild it with `make ale ALE_DIR=...`");
        }
        return handle;
    }

    /// <summary>ALE's version, as reported by the loaded shim.</summary>
    public static unsafe string AleVersion()
    {
        RequireLoaded();
        byte* buffer = stackalloc byte[64];
        AleErrors.ThrowIfFailed(AleNative.VersionString(buffer, 64), "reading ALE's version");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }

    /// <summary>
    /// Whether ALE supports the ROM file (its MD5 is one of ALE's games); the game id (e.g. <c>breakout</c>) when it does.
    /// Throws <see cref="EnvException"/> when the file does not exist.
    /// </summary>
    public static unsafe bool IsSupportedRom(string romPath, out string? gameId)
    {
        RequireLoaded();
        byte* buffer = stackalloc byte[128];
        int status = AleNative.IsSupportedRom(romPath, buffer, 128);
        gameId = null;
        if (status == 0) return false;
        AleErrors.ThrowIfFailed(status < 0 ? status : AleNative.Ok, $"checking the ROM {romPath}");
        gameId = Marshal.PtrToStringUTF8((nint)buffer);
        return true;
    }

    /// <summary>
    /// True when the loaded shim starts a seeded episode without reloading the ROM (interface version 2); an older
    /// shim's seeded reset reloads it (≈ 0.1 s of CPU per reset), with the same result.
    /// </summary>
    public static bool HasSeededReset
    {
        get
        {
            lock (Gate) return _loadedAbiVersion >= 2;
        }
    }

    internal static void RequireLoaded()
    {
        if (LoadedPath is null) throw new InvalidOperationException("the ALE shim is not loaded; call AleLibrary.Load first");
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != AleNative.LibraryName) return 0;
        lock (Gate) return _handle;
    }
}
