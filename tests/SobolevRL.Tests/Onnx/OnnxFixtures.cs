using System.Runtime.CompilerServices;

namespace SobolevRL.Tests.Onnx;

/// <summary>The PyTorch-exported fixture models in tests/SobolevRL.Tests/Fixtures/onnx (see the README there).</summary>
public static class OnnxFixtures
{
    public static string Directory => Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "Fixtures", "onnx"));

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Smooth (tanh/ELU) models: their gradients are checked strictly against finite differences.</summary>
    public static readonly string[] Smooth = ["actor_critic_mlp", "dynamic_reshape_cnn"];

    /// <summary>ReLU/max-pool models: kinks make finite differences unreliable in some directions.</summary>
    public static readonly string[] Piecewise = ["nature_dqn", "impala_cnn"];

    public static IEnumerable<object[]> All() =>
        Smooth.Concat(Piecewise).SelectMany(m => new[] { 11, 17 }.Select(op => new object[] { $"{m}_op{op}.onnx" }));

    public static IEnumerable<object[]> SmoothFiles() =>
        Smooth.SelectMany(m => new[] { 11, 17 }.Select(op => new object[] { $"{m}_op{op}.onnx" }));

    public static IEnumerable<object[]> PiecewiseFiles() =>
        Piecewise.SelectMany(m => new[] { 11, 17 }.Select(op => new object[] { $"{m}_op{op}.onnx" }));

    static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
