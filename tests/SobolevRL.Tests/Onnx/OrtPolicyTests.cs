using SobolevRL.Onnx;

namespace SobolevRL.Tests.Onnx;

/// <summary>OrtPolicy gives ONNX Runtime's outputs for any batch size up to its maximum, reusing its buffers.</summary>
public class OrtPolicyTests
{
    [Fact]
    public void RunAndActMatchInferenceSession()
    {
        string path = OnnxFixtures.PathOf("nature_dqn_op17.onnx");
        using var policy = new OrtPolicy(path, maxBatch: 4);
        using var reference = new OrtReference(path);
        Assert.Equal([4L, 44, 44], policy.ObservationShape);
        Assert.Equal(6, policy.OutputSize);
        var random = new Random(3);
        foreach (int batch in new[] { 3, 1, 3, 4 })
        {
            float[] obs = Enumerable.Range(0, batch * policy.ObservationSize).Select(_ => random.NextSingle()).ToArray();
            float[] expected = reference.Run(obs, [batch, 4, 44, 44])["logits"];
            Assert.Equal(expected, policy.Run(obs, batch).ToArray());
            var actions = new int[batch];
            policy.Act(obs, batch, actions);
            for (int b = 0; b < batch; b++)
            {
                float[] row = expected[(b * 6)..((b + 1) * 6)];
                Assert.Equal(Array.IndexOf(row, row.Max()), actions[b]);
            }
        }
    }

    [Fact]
    public void ByteObservationsAreScaled()
    {
        string path = OnnxFixtures.PathOf("actor_critic_mlp_op11.onnx");
        using var policy = new OrtPolicy(path, maxBatch: 2, outputName: "value");
        byte[] frames = Enumerable.Range(0, 16).Select(i => (byte)(i * 15)).ToArray();
        float[] asFloats = frames.Select(b => b * (1 / 255f)).ToArray();
        float[] fromBytes = policy.Run(frames, 2, 1 / 255f).ToArray();
        Assert.Equal(policy.Run(asFloats, 2).ToArray(), fromBytes);
        Assert.Equal(2, fromBytes.Length);
        Assert.Throws<ArgumentException>(() => policy.Run(asFloats, 3));
    }
}
