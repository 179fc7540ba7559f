using SobolevRL.NativeFix;

namespace SobolevRL.Tests.NativeFix;

public class ElfWeakVersionNeedTests
{
    private static string TorchSharpNativeInPackageCache()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    [Fact]
    public void MarksTheVersionNeedWeakInACopyAndNothingElseChanges()
    {
        string original = TorchSharpNativeInPackageCache();
        if (!File.Exists(original)) Assert.Skip($"TorchSharp's native library is not in the package cache at {original}");
        Assert.Equal((ushort)0, ElfWeakVersionNeed.ReadFlags(original, "GLIBCXX_3.4.32"));
        string copy = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-elf-").FullName, "lib.so");
        File.Copy(original, copy);
        Assert.Equal(ElfWeakVersionNeed.Result.Patched, ElfWeakVersionNeed.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Equal((ushort)2, ElfWeakVersionNeed.ReadFlags(copy, "GLIBCXX_3.4.32"));
        Assert.Equal(ElfWeakVersionNeed.Result.AlreadyWeak, ElfWeakVersionNeed.MarkWeak(copy, "GLIBCXX_3.4.32"));
        byte[] a = File.ReadAllBytes(original), b = File.ReadAllBytes(copy);
        Assert.Equal(a.Length, b.Length);
        Assert.Equal(1, a.Zip(b).Count(p => p.First != p.Second));
        Assert.Null(ElfWeakVersionNeed.ReadFlags(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(ElfWeakVersionNeed.Result.NotRequired, ElfWeakVersionNeed.MarkWeak(copy, "GLIBCXX_9.9.99"));
    }

    [Fact]
    public void RejectsAFileThatIsNotElf()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-elf-").FullName, "not.so");
        File.WriteAllText(path, "this is not an ELF file, it is just text long enough to have a header-sized prefix....");
        Assert.Throws<InvalidDataException>(() => ElfWeakVersionNeed.ReadFlags(path, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void BuiltLibraryLoadsBecauseTheFixRanWhereNeeded()
    {
        string built = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(built), $"{built} missing");
        bool systemHasIt = ElfWeakVersionNeed.SystemLibStdCxxProvides("GLIBCXX_3.4.32");
        ushort? flags = ElfWeakVersionNeed.ReadFlags(built, "GLIBCXX_3.4.32");
        Assert.Equal(systemHasIt ? (ushort)0 : (ushort)2, flags);
        Assert.True(TorchSharp.torch.TryInitializeDeviceType(TorchSharp.DeviceType.CPU));
    }
}
