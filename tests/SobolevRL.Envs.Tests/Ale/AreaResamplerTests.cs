using System.Globalization;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

public class AreaResamplerTests
{
    private const string MissingOpenCv = "needs Debian's python3 with numpy and OpenCV (the INTER_AREA oracle): apt-get install python3-numpy python3-opencv";

    // Images that stress different parts of the weights: noise, smooth ramps, one-pixel detail, sharp edges at cell
    // boundaries, flat areas, and Atari-like sprites on a dark background.
    private static IEnumerable<(string Name, byte[] Pixels)> TestImages(int height, int width)
    {
        var rng = new System.Random(20261129);
        byte[] Make(Func<int, int, int> f)
        {
            var image = new byte[height * width];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) image[y * width + x] = (byte)Math.Clamp(f(y, x), 0, 255);
            return image;
        }
        for (int i = 0; i < 3; i++)
        {
            var noise = new byte[height * width];
            rng.NextBytes(noise);
            yield return ($"noise{i}", noise);
        }
        yield return ("ramp", Make((y, x) => (y * 255 / (height - 1) + x * 255 / (width - 1)) / 2));
        yield return ("checker", Make((y, x) => ((y + x) % 2) * 255));
        yield return ("stripes", Make((y, x) => (x / 3 % 2) * 200 + (y / 5 % 2) * 55));
        yield return ("flat", Make((_, _) => 142));
        yield return ("extremes", Make((y, x) => (y * 7 + x * 3) % 4 == 0 ? 255 : 0));
        var sprites = Make((y, x) => y < 16 ? 74 : 0);
        for (int s = 0; s < 40; s++)
        {
            int h = rng.Next(1, Math.Min(8, height)), w = rng.Next(1, Math.Min(8, width));
            int top = rng.Next(height - h + 1), left = rng.Next(width - w + 1);
            byte grey = (byte)rng.Next(256);
            for (int y = top; y < top + h; y++) for (int x = left; x < left + w; x++) sprites[y * width + x] = grey;
        }
        yield return ("sprites", sprites);
    }

    // (source height, source width, height, width): Atari's 84x84 and other general factors, and integer factors,
    // for which OpenCV takes another path.
    private static readonly (int SourceHeight, int SourceWidth, int Height, int Width)[] Sizes =
    [
        (210, 160, 84, 84), (210, 160, 110, 84), (210, 160, 64, 64), (7, 5, 3, 2),
        (210, 160, 105, 80), (210, 160, 70, 80), (210, 160, 21, 16),
    ];

    [Fact]
    public void MatchesOpenCvInterAreaWithinOneGreyLevel()
    {
        if (!File.Exists(PythonOracle.Python)) { Assert.Skip(MissingOpenCv); }
        string directory = Directory.CreateTempSubdirectory("sobolevrl-area-").FullName;
        try
        {
            // One python run for every case: write all inputs, let cv2 resize them, compare.
            var cases = new List<(string Name, int Size, byte[] Pixels)>();
            var script = new System.Text.StringBuilder("import cv2, numpy as np\n");
            for (int s = 0; s < Sizes.Length; s++)
            {
                var (sh, sw, h, w) = Sizes[s];
                foreach (var (name, pixels) in TestImages(sh, sw))
                {
                    string file = Path.Combine(directory, cases.Count.ToString(CultureInfo.InvariantCulture));
                    File.WriteAllBytes(file + ".in", pixels);
                    script.Append(CultureInfo.InvariantCulture,
                        $"cv2.resize(np.fromfile(r'{file}.in', dtype=np.uint8).reshape({sh}, {sw}), ({w}, {h}), interpolation=cv2.INTER_AREA).tofile(r'{file}.out')\n");
                    cases.Add((name, s, pixels));
                }
            }
            // One python start for the whole test (the machine is shared): a missing module is a skip, any other failure a failure.
            var (code, _, stderr) = PythonOracle.Run(script.ToString());
            if (code != 0 && stderr.Contains("ModuleNotFoundError", StringComparison.Ordinal)) { Assert.Skip($"{MissingOpenCv} ({stderr.Trim()})"); }
            Assert.True(code == 0, $"the cv2 oracle failed: {stderr}");
            for (int i = 0; i < cases.Count; i++)
            {
                var (sh, sw, h, w) = Sizes[cases[i].Size];
                byte[] expected = File.ReadAllBytes(Path.Combine(directory, $"{i}.out"));
                var ours = new byte[h * w];
                new AreaResampler(sh, sw, h, w).Resample(cases[i].Pixels, ours);
                int worst = 0, differing = 0;
                for (int p = 0; p < ours.Length; p++)
                {
                    int d = Math.Abs(ours[p] - expected[p]);
                    worst = Math.Max(worst, d);
                    if (d != 0) differing++;
                }
                Assert.True(worst <= 1, $"{cases[i].Name} {sh}x{sw} -> {h}x{w}: differs from cv2.INTER_AREA by up to {worst} grey levels ({differing} pixels differ)");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AveragesWholeCellsForIntegerFactors()
    {
        var resampler = new AreaResampler(4, 4, 2, 2);
        byte[] source = [0, 2, 10, 10, 4, 6, 10, 10, 1, 1, 255, 255, 1, 2, 255, 254];
        var destination = new byte[4];
        resampler.Resample(source, destination);
        // Means 3, 10, 1.25, 254.75 rounded; OpenCV rounds 2x2 means half up (8.5 → 9).
        Assert.Equal([3, 10, 1, 255], destination);
        resampler.Resample([8, 9, 0, 0, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], destination);
        Assert.Equal(9, destination[0]);
        var thirds = new AreaResampler(1, 3, 1, 1);
        var one = new byte[1];
        thirds.Resample([1, 1, 2], one);
        Assert.Equal(1, one[0]);
    }

    [Fact]
    public void WeightsPartialPixelsByTheirOverlap()
    {
        // 5 → 2 columns: cells [0, 2.5) and [2.5, 5); the middle pixel counts half in each.
        var resampler = new AreaResampler(1, 5, 1, 2);
        var destination = new byte[2];
        resampler.Resample([10, 20, 100, 40, 50], destination);
        Assert.Equal([(byte)Math.Round((10 + 20 + 50) / 2.5), (byte)Math.Round((50 + 40 + 50) / 2.5)], destination);
    }

    [Fact]
    public void RejectsEnlargingAndWrongBufferSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AreaResampler(10, 10, 11, 5));
        var resampler = new AreaResampler(10, 10, 5, 5);
        Assert.Throws<ArgumentException>(() => resampler.Resample(new byte[99], new byte[25]));
        Assert.Throws<ArgumentException>(() => resampler.Resample(new byte[100], new byte[24]));
    }

    [Fact]
    public void AreaResizeShrinksEveryChannel()
    {
        var inner = new ScriptedFrameEnv(channels: 3, height: 21, width: 16);
        using var env = new AreaResize(inner, 8, 8);
        Assert.Equal(new BoxSpace([3, 8, 8], 0, 255), env.ObservationSpace);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        env.Step(0, obs);
        var frame = new byte[inner.ObservationSpace.Size];
        inner.WriteObservation(frame);
        var resampler = new AreaResampler(21, 16, 8, 8);
        var channel = new byte[64];
        for (int c = 0; c < 3; c++)
        {
            resampler.Resample(frame.AsSpan(c * 336, 336), channel);
            Assert.Equal(channel, obs.AsSpan(c * 64, 64).ToArray());
        }
        Assert.Throws<ArgumentException>(() => env.Step(0, new byte[obs.Length - 1]));
    }
}
