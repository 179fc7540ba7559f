using SobolevRL.Envs.Rendering;

namespace SobolevRL.Envs.Tests.Rendering;

public class GifWriterTests
{
    private static string? PillowMissing()
    {
        string? missing = PythonOracle.MissingReason();
        if (missing != null) return missing;
        var (code, _, _) = PythonOracle.Run("import PIL.Image");
        return code == 0 ? null : "needs Pillow for /usr/bin/python3: apt-get install python3-pil";
    }

    /// <summary>Decodes <paramref name="gifPath"/> with Pillow and checks every frame's RGB pixels, the delay and the loop flag.</summary>
    private static void AssertPillowDecodes(string gifPath, int width, int height, byte[] paletteRgb, IReadOnlyList<byte[]> frames, int delayCentiseconds)
    {
        string expectedPath = gifPath + ".rgb";
        using (var expected = File.Create(expectedPath))
        {
            foreach (var frame in frames)
                foreach (byte index in frame) expected.Write(paletteRgb, 3 * index, 3);
        }
        string[] lines = PythonOracle.RunLines($$"""
            from PIL import Image
            im = Image.open({{Quote(gifPath)}})
            expected = open({{Quote(expectedPath)}}, "rb").read()
            size = {{width}} * {{height}} * 3
            print(im.format, im.size[0], im.size[1], im.n_frames, im.info.get("loop"), im.info.get("duration"))
            for i in range(im.n_frames):
                im.seek(i)
                got = im.convert("RGB").tobytes()
                want = expected[i * size:(i + 1) * size]
                bad = [] if got == want else [k for k in range(size) if k >= len(got) or got[k] != want[k]]
                print("frame", i, "ok" if not bad else "mismatch at byte %d of %d" % (bad[0], len(bad)))
            """);
        Assert.Equal($"GIF {width} {height} {frames.Count} 0 {delayCentiseconds * 10}", lines[0]);
        for (int i = 0; i < frames.Count; i++) Assert.Equal($"frame {i} ok", lines[1 + i]);
    }

    private static string Quote(string path) => "r'" + path + "'";

    private static byte[] GrayPalette() => Enumerable.Range(0, 256).SelectMany(v => new[] { (byte)v, (byte)v, (byte)v }).ToArray();

    [Fact]
    public void PillowDecodesNoiseRunsAndGradientsWithAFullPalette()
    {
        if (PillowMissing() is string reason) Assert.Skip(reason);
        const int width = 301, height = 157;
        var rng = new System.Random(1);
        var noise = new byte[width * height];
        rng.NextBytes(noise); // fills the 4096-code table many times: exercises 12-bit codes and clear codes
        var flat = new byte[width * height];
        var gradient = Enumerable.Range(0, width * height).Select(i => (byte)(i % width * 255 / (width - 1))).ToArray();
        var fewValues = Enumerable.Range(0, width * height).Select(_ => (byte)(rng.Next(3) * 100)).ToArray();
        byte[] palette = GrayPalette();
        palette[3 * 255 + 1] = 0; // make the palette not symmetric in channels
        string path = Path.Combine(Path.GetTempPath(), $"sobolevrl-gif-{Guid.NewGuid():N}.gif");
        try
        {
            byte[][] frames = [noise, flat, gradient, fewValues];
            using (var gif = GifWriter.Create(path, width, height, palette))
            {
                foreach (var frame in frames) gif.AddFrame(frame, 7);
                Assert.Equal(4, gif.FrameCount);
            }
            AssertPillowDecodes(path, width, height, palette, frames, 7);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".rgb");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(17)]
    public void PillowDecodesSmallPalettes(int colors)
    {
        if (PillowMissing() is string reason) Assert.Skip(reason);
        const int width = 64, height = 48;
        var rng = new System.Random(colors);
        var palette = new byte[3 * colors];
        rng.NextBytes(palette);
        var frames = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, width * height).Select(_ => (byte)rng.Next(colors)).ToArray()).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"sobolevrl-gif-{Guid.NewGuid():N}.gif");
        try
        {
            using (var gif = GifWriter.Create(path, width, height, palette))
                foreach (var frame in frames) gif.AddFrame(frame, 10);
            AssertPillowDecodes(path, width, height, palette, frames, 10);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".rgb");
        }
    }

    [Fact]
    public void FileHasTheGif89aLayout()
    {
        using var stream = new MemoryStream();
        using (var gif = new GifWriter(stream, 3, 2, [0, 0, 0, 255, 255, 255, 255, 0, 0], leaveOpen: true))
            gif.AddFrame([0, 1, 2, 2, 1, 0], 5);
        byte[] bytes = stream.ToArray();
        Assert.Equal("GIF89a"u8.ToArray(), bytes[..6]);
        Assert.Equal([3, 0, 2, 0], bytes[6..10]);
        Assert.Equal(0x80 | 1 << 4 | 1, bytes[10]); // global table of 2^(1+1) = 4 colours
        Assert.Equal([255, 0, 0, 0, 0, 0], bytes[(13 + 6)..(13 + 12)]); // colour 2 as given, colour 3 padding
        int netscape = 13 + 12;
        Assert.Equal("NETSCAPE2.0"u8.ToArray(), bytes[(netscape + 3)..(netscape + 14)]);
        Assert.Equal([3, 1, 0, 0, 0], bytes[(netscape + 14)..(netscape + 19)]);
        Assert.Equal([0x21, 0xF9, 4, 0x04, 5, 0, 0, 0], bytes[(netscape + 19)..(netscape + 27)]);
        Assert.Equal(0x2C, bytes[netscape + 27]);
        Assert.Equal(2, bytes[netscape + 37]); // LZW minimum code size
        Assert.Equal(0x3B, bytes[^1]);
    }

    [Fact]
    public void RejectsPixelsOutsideThePaletteAndWrongFrameSizes()
    {
        using var gif = new GifWriter(new MemoryStream(), 2, 2, [0, 0, 0, 9, 9, 9]);
        Assert.Throws<ArgumentException>(() => gif.AddFrame([0, 1, 2, 0], 1));
        Assert.Throws<ArgumentException>(() => gif.AddFrame([0, 1, 1], 1));
    }
}
