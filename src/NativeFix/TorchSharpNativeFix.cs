// Marks one required symbol version of an ELF64 shared library as weak (VER_FLG_WEAK) when the
// system library that should provide it does not. Used at build time by TorchSharpNativeFix.targets (the task at the end):
// libLibTorchSharp.so 0.107.0 needs GLIBCXX_3.4.32 (GCC 13) only for the link-time marker
// _ZSt21ios_base_library_initv, which is never called; Debian 12 ships GCC 12's libstdc++.
// A weak version need lets the dynamic loader accept the library. No system file is touched.
#nullable enable
using System;
using System.IO;
using System.Text;
#if !ELF_PATCH_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace SobolevRL.NativeFix
{
    /// <summary>Reads and edits the version-need table (.gnu.version_r) of an ELF64 little-endian file.</summary>
    public static class ElfWeakVersionNeed
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>Outcome of <see cref="MarkWeak"/>.</summary>
        public enum Result
        {
            /// <summary>The flag was set and the file rewritten.</summary>
            Patched,
            /// <summary>The version need was already weak.</summary>
            AlreadyWeak,
            /// <summary>The file does not require that version.</summary>
            NotRequired,
        }

        /// <summary>Returns the vna_flags of the required version <paramref name="version"/>, or null if the file does not require it.</summary>
        public static ushort? ReadFlags(string elfPath, string version)
        {
            byte[] image = File.ReadAllBytes(elfPath);
            int offset = FindVernaux(image, version);
            return offset < 0 ? null : BitConverter.ToUInt16(image, offset + 4);
        }

        /// <summary>Sets VER_FLG_WEAK on the required version <paramref name="version"/> (e.g. "GLIBCXX_3.4.32"), writing atomically.</summary>
        public static Result MarkWeak(string elfPath, string version)
        {
            byte[] image = File.ReadAllBytes(elfPath);
            int offset = FindVernaux(image, version);
            if (offset < 0) return Result.NotRequired;
            ushort flags = BitConverter.ToUInt16(image, offset + 4);
            if ((flags & VerFlgWeak) != 0) return Result.AlreadyWeak;
            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(image, offset + 4);
            string temp = elfPath + ".patching";
            File.WriteAllBytes(temp, image);
            File.Replace(temp, elfPath, null);
            return Result.Patched;
        }

        /// <summary>True when the libstdc++ this process (or the system loader path) uses defines <paramref name="version"/>.</summary>
        public static bool SystemLibStdCxxProvides(string version)
        {
            string? lib = LoadedLibStdCxx() ?? FirstExisting(
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6");
            if (lib == null) return false;
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(File.ReadAllBytes(lib), needle) >= 0;
        }

        static string? LoadedLibStdCxx()
        {
            const string maps = "/proc/self/maps";
            if (!File.Exists(maps)) return null;
            foreach (string line in File.ReadLines(maps))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.Contains("libstdc++.so")) return line.Substring(slash).Trim();
            }
            return null;
        }

        static string? FirstExisting(params string[] paths)
        {
            foreach (string p in paths) if (File.Exists(p)) return p;
            return null;
        }

        // Returns the file offset of the Elf64_Vernaux entry whose name is `version`, or -1.
        static int FindVernaux(byte[] image, string version)
        {
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (image[4] != 2 || image[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            long shoff = BitConverter.ToInt64(image, 0x28);
            int shentsize = BitConverter.ToUInt16(image, 0x3A);
            int shnum = BitConverter.ToUInt16(image, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (BitConverter.ToUInt32(image, sh + 4) != ShtGnuVerneed) continue;
                int verneed = checked((int)BitConverter.ToInt64(image, sh + 0x18));
                int link = (int)BitConverter.ToUInt32(image, sh + 0x28);
                int count = (int)BitConverter.ToUInt32(image, sh + 0x2C);
                int strtab = checked((int)BitConverter.ToInt64(image, checked((int)(shoff + (long)link * shentsize)) + 0x18));
                int entry = verneed;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = BitConverter.ToUInt16(image, entry + 2);
                    int aux = entry + (int)BitConverter.ToUInt32(image, entry + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        int name = strtab + (int)BitConverter.ToUInt32(image, aux + 8);
                        if (CStringEquals(image, name, version)) return aux;
                        aux += (int)BitConverter.ToUInt32(image, aux + 12);
                    }
                    entry += (int)BitConverter.ToUInt32(image, entry + 12);
                }
            }
            return -1;
        }

        static bool CStringEquals(byte[] image, int at, string s)
        {
            for (int i = 0; i < s.Length; i++) if (at + i >= image.Length || image[at + i] != s[i]) return false;
            return at + s.Length < image.Length && image[at + s.Length] == 0;
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }
}

#if !ELF_PATCH_ONLY
namespace SobolevRL.NativeFix
{
    /// <summary>Makes libLibTorchSharp.so loadable where libstdc++ lacks GLIBCXX_3.4.32; does nothing elsewhere.</summary>
    public class TorchSharpNativeFix : Task
    {
        /// <summary>Copies of libLibTorchSharp.so to fix (in output or publish directories).</summary>
        [Required]
        public ITaskItem[] Libraries { get; set; } = System.Array.Empty<ITaskItem>();

        /// <inheritdoc />
        public override bool Execute()
        {
            const string version = "GLIBCXX_3.4.32";
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) || ElfWeakVersionNeed.SystemLibStdCxxProvides(version)) return true;
            foreach (ITaskItem item in Libraries)
            {
                string path = item.ItemSpec;
                if (!System.IO.File.Exists(path)) continue;
                var result = ElfWeakVersionNeed.MarkWeak(path, version);
                if (result == ElfWeakVersionNeed.Result.Patched)
                    Log.LogMessage(MessageImportance.High, $"TorchSharp native fix: marked {version} weak in {path}");
            }
            return true;
        }
    }
}
#endif
