using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using SobolevRL.SyntheticGradients;
using SobolevRL.Tests.IO;

namespace SobolevRL.Tests.SyntheticGradients;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class IdxFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idx-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes an unsigned-byte IDX file by the format's definition (optionally gzip-compressed).</summary>
    internal static void Write(string path, int[] shape, byte[] data, bool gzip, byte type = IdxFile.UnsignedByteType)
    {
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        stream.Write([0, 0, type, (byte)shape.Length]);
        var dim = new byte[4];
        foreach (int d in shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            stream.Write(dim);
        }
        stream.Write(data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsShapeAndValues_RawAndGzip(bool gzip)
    {
        var data = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 11)).ToArray();
        string path = Path.Combine(_dir, "a.idx");
        Write(path, [2, 3, 4], data, gzip);
        var array = IdxFile.Read(path);
        Assert.Equal([2, 3, 4], array.Shape);
        Assert.Equal(data, array.Data);
    }

    [Fact]
    public void MalformedFiles_AreRefusedWithTheirProblem()
    {
        string path = Path.Combine(_dir, "bad.idx");
        Write(path, [5], [1, 2, 3], gzip: false);
        Assert.Contains("ends inside its values", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
        Write(path, [2], [1, 2, 3], gzip: true);
        Assert.Contains("bytes after", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
        Write(path, [1], [0, 0, 0, 0], gzip: false, type: 0x0D);
        Assert.Contains("type 0x0d", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
        File.WriteAllBytes(path, [1, 0, 8, 1, 0, 0, 0, 1, 7]);
        Assert.Contains("not an IDX file", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
    }

    [Fact]
    public void PackageFiles_MatchNumpy()
    {
        if (FashionMnist.MissingReason(FashionMnist.DefaultDirectory) is { } missing) Assert.Skip($"needs Debian's {FashionMnist.DebianPackage}: {missing}");
        if (Python.MissingReason() is { } reason) Assert.Skip(reason);
        foreach (string stem in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            string path = FashionMnist.Find(FashionMnist.DefaultDirectory, stem)!;
            var array = IdxFile.Read(path);
            // numpy parses the header as big-endian int32s and hashes the value bytes; an independent reading of the format.
            string expected = Python.Check($$"""
                import gzip, hashlib, numpy as np
                p = {{System.Text.Json.JsonSerializer.Serialize(path)}}
                raw = (gzip.open if p.endswith('.gz') else open)(p, 'rb').read()
                rank = raw[3]
                shape = np.frombuffer(raw, dtype='>i4', count=rank, offset=4)
                values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
                assert values.size == int(np.prod(shape))
                print(','.join(str(int(d)) for d in shape), int(values.astype(np.int64).sum()), hashlib.sha256(values.tobytes()).hexdigest())
                """).Trim();
            string actual = $"{string.Join(",", array.Shape)} {array.Data.Sum(b => (long)b)} {Convert.ToHexStringLower(SHA256.HashData(array.Data))}";
            Assert.Equal(expected, actual);
        }
    }
}
