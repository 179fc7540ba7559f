using SobolevRL.IO;

namespace SobolevRL.Tests.IO;

public sealed class NpyTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("npy-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string PathOf(string name) => Path.Combine(_dir, name);

    static void SkipWithoutNumpy()
    {
        if (Python.MissingReason() is { } reason) Assert.Skip(reason);
    }

    static NpyArray[] Samples() =>
    [
        NpyArray.FromFloats([1.5f, -2.25f, float.MaxValue, 1e-30f, 0f, 3f], 2, 3),
        NpyArray.FromBytes([0, 1, 254, 255], 4),
        NpyArray.FromHalves([(Half)0.5f, (Half)(-3f), Half.MaxValue, (Half)1e-3f], 2, 1, 2),
        NpyArray.FromInt64([long.MinValue, -1, 0, long.MaxValue], 2, 2),
        NpyArray.FromBools([true, false, true], 3),
        NpyArray.FromFloats([7f]),
        NpyArray.FromFloats([], 0, 5),
    ];

    [Fact]
    public void NumpyReadsWhatWeWrite()
    {
        SkipWithoutNumpy();
        var samples = Samples();
        for (int i = 0; i < samples.Length; i++) NpyFile.Write(PathOf($"a{i}.npy"), samples[i]);
        NpzFile.Write(PathOf("s.npz"), [new("logits", samples[0]), new("frames", samples[1])]);
        NpzFile.Write(PathOf("c.npz"), [new("logits", samples[0])], compress: true);
        string output = Python.Check($$"""
            import numpy as np, os
            d = {{Quote(_dir)}}
            for i in range({{samples.Length}}):
                a = np.load(os.path.join(d, f"a{i}.npy"))
                m = np.load(os.path.join(d, f"a{i}.npy"), mmap_mode="r")
                assert (np.asarray(m) == a).all() or a.size == 0
                print(a.dtype.str, a.shape, a.ravel().tolist())
            z = np.load(os.path.join(d, "s.npz"))
            print(sorted(z.files), z["logits"].tolist(), z["frames"].tolist())
            c = np.load(os.path.join(d, "c.npz"))
            print(c["logits"].tolist())
            """);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("<f4 (2, 3) [1.5, -2.25, 3.4028234663852886e+38, 1.0000000031710769e-30, 0.0, 3.0]", lines[0]);
        Assert.Equal("|u1 (4,) [0, 1, 254, 255]", lines[1]);
        Assert.Equal("<f2 (2, 1, 2) [0.5, -3.0, 65504.0, 0.0010004043579101562]", lines[2]);
        Assert.Equal("<i8 (2, 2) [-9223372036854775808, -1, 0, 9223372036854775807]", lines[3]);
        Assert.Equal("|b1 (3,) [True, False, True]", lines[4]);
        Assert.Equal("<f4 () [7.0]", lines[5]);
        Assert.Equal("<f4 (0, 5) []", lines[6]);
        Assert.Equal("['frames', 'logits'] [[1.5, -2.25, 3.4028234663852886e+38], [1.0000000031710769e-30, 0.0, 3.0]] [0, 1, 254, 255]", lines[7]);
        Assert.Equal("[[1.5, -2.25, 3.4028234663852886e+38], [1.0000000031710769e-30, 0.0, 3.0]]", lines[8]);
    }

    [Fact]
    public void WeReadWhatNumpyWrites()
    {
        SkipWithoutNumpy();
        Python.Check($$"""
            import numpy as np, os
            d = {{Quote(_dir)}}
            np.save(os.path.join(d, "f.npy"), np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8)
            np.save(os.path.join(d, "u.npy"), np.arange(250, 256, dtype=np.uint8).reshape(3, 2))
            np.save(os.path.join(d, "h.npy"), np.array([0.5, -2, 1000], dtype=np.float16))
            np.save(os.path.join(d, "l.npy"), np.array([[-5, 2**40]], dtype=np.int64))
            np.save(os.path.join(d, "b.npy"), np.array([False, True]))
            with open(os.path.join(d, "v2.npy"), "wb") as f:
                np.lib.format.write_array(f, np.ones((2, 2), np.float32), version=(2, 0))
            np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(np.ones((2, 3), np.float32)))
            np.save(os.path.join(d, "big.npy"), np.ones(3, dtype=">f4"))
            np.save(os.path.join(d, "f8.npy"), np.ones(3))
            np.savez(os.path.join(d, "z.npz"), x=np.ones((2,), np.float32), y=np.zeros((1, 1), np.uint8))
            np.savez_compressed(os.path.join(d, "zc.npz"), x=np.full((3,), 2.5, np.float32))
            """);
        var f = NpyFile.Read(PathOf("f.npy"));
        Assert.Equal([2L, 3, 4], f.Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i / 8f), f.As<float>().ToArray());
        Assert.Equal(new byte[] { 250, 251, 252, 253, 254, 255 }, NpyFile.Read(PathOf("u.npy")).As<byte>().ToArray());
        Assert.Equal(new[] { 0.5f, -2f, 1000f }, NpyFile.Read(PathOf("h.npy")).ToFloats());
        Assert.Equal(new[] { -5L, 1L << 40 }, NpyFile.Read(PathOf("l.npy")).As<long>().ToArray());
        Assert.Equal(new[] { false, true }, NpyFile.Read(PathOf("b.npy")).As<bool>().ToArray());
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, NpyFile.Read(PathOf("v2.npy")).ToFloats());
        Assert.Contains("Fortran order", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("fortran.npy"))).Message);
        Assert.Contains("'>f4' is not supported", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("big.npy"))).Message);
        Assert.Contains("'<f8' is not supported", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("f8.npy"))).Message);
        var z = NpzFile.Read(PathOf("z.npz"));
        Assert.Equal(new[] { 1f, 1f }, z["x"].ToFloats());
        Assert.Equal([1L, 1], z["y"].Shape);
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f }, NpzFile.Read(PathOf("zc.npz"))["x"].ToFloats());
    }

    [Fact]
    public void RoundTripAndHeaderAlignment()
    {
        foreach (var (a, i) in Samples().Select((a, i) => (a, i)))
        {
            string p = PathOf($"r{i}.npy");
            NpyFile.Write(p, a);
            Assert.Equal(0, a.Header.Encode().Length % 64);
            var b = NpyFile.Read(p);
            Assert.Equal(a.Dtype, b.Dtype);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.Data, b.Data);
        }
    }

    [Fact]
    public void BadFilesGiveClearErrors()
    {
        File.WriteAllText(PathOf("text.npy"), "hello world, not an array");
        Assert.Contains("not a .npy array", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("text.npy"))).Message);
        NpyFile.Write(PathOf("full.npy"), NpyArray.FromFloats(new float[100], 10, 10));
        byte[] bytes = File.ReadAllBytes(PathOf("full.npy"));
        File.WriteAllBytes(PathOf("cut.npy"), bytes[..(bytes.Length - 7)]);
        Assert.Contains("truncated", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("cut.npy"))).Message);
        File.WriteAllBytes(PathOf("cuthead.npy"), bytes[..20]);
        Assert.Contains("truncated", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("cuthead.npy"))).Message);
        Assert.Contains("not found", Assert.Throws<UserErrorException>(() => NpyFile.Read(PathOf("missing.npy"))).Message);
        Assert.Contains("not an .npz", Assert.Throws<UserErrorException>(() => NpzFile.Read(PathOf("text.npy"))).Message);
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyDtype.Float32, [3], new byte[8]));
    }

    static string Quote(string s) => "r\"" + s + "\"";
}
