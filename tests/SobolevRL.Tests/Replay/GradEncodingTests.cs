namespace SobolevRL.Tests.Replay;

public class GradEncodingTests
{
    [Theory]
    [InlineData(GradDtype.Float16)]
    [InlineData(GradDtype.BFloat16)]
    [InlineData(GradDtype.Float32)]
    public void LibtorchConversionIsBitIdenticalToTheScalarReference(GradDtype dtype)
    {
        // Magnitudes from half's subnormals to beyond its range, both signs, ties included.
        var random = new Random(4);
        var values = new float[4096];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-9, 6)));
        values[0] = 0f;
        values[1] = -0f;
        values[2] = 65520f; // rounds to infinity in float16
        values[3] = 1 + 1f / 2048; // float16 tie: rounds to even
        values[4] = BitConverter.UInt32BitsToSingle(0x3F808000); // bfloat16 tie
        using var tensor = torch.tensor(values, [64, 64]);

        byte[] reference = GradEncoding.Encode(values, dtype);
        byte[] fast = GradEncoding.Encode(tensor, dtype);
        Assert.Equal(reference, fast);

        // The sampler decodes by viewing stored bytes as the libtorch type and converting to float32.
        float[] decoded = GradEncoding.Decode(reference, dtype);
        using var stored = torch.empty([64, 64], GradEncoding.TorchType(dtype));
        reference.CopyTo(stored.bytes);
        using var decodedTensor = stored.to(torch.ScalarType.Float32);
        Assert.Equal(decoded, decodedTensor.data<float>().ToArray());
    }
}
