namespace SobolevRL.Replay;

/// <summary>How gradient labels are stored on disk (they are always float32 once sampled).</summary>
public enum GradDtype
{
    /// <summary>IEEE half precision (<c>&lt;f2</c>), the default.</summary>
    Float16,
    /// <summary>bfloat16, stored as <c>&lt;u2</c> (the upper 16 bits of the float32).</summary>
    BFloat16,
    /// <summary>Full float32 (<c>&lt;f4</c>).</summary>
    Float32,
}

/// <summary>Names and .npy descriptors of <see cref="GradDtype"/>.</summary>
public static class GradDtypes
{
    /// <summary>Parses <c>float16</c>, <c>bfloat16</c> or <c>float32</c>.</summary>
    public static GradDtype Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "float16" or "fp16" or "f16" => GradDtype.Float16,
        "bfloat16" or "bf16" => GradDtype.BFloat16,
        "float32" or "fp32" or "f32" => GradDtype.Float32,
        _ => throw new UserErrorException($"gradient dtype '{text}' is not one of float16, bfloat16, float32"),
    };

    /// <summary>The name used in manifests and on the command line.</summary>
    public static string Name(this GradDtype dtype) => dtype switch
    {
        GradDtype.Float16 => "float16",
        GradDtype.BFloat16 => "bfloat16",
        _ => "float32",
    };

    /// <summary>The .npy element type of the stored array (bfloat16 as its uint16 bit patterns).</summary>
    public static IO.NpyDtype NpyType(this GradDtype dtype) => dtype switch
    {
        GradDtype.Float16 => IO.NpyDtype.Float16,
        GradDtype.BFloat16 => IO.NpyDtype.UInt16,
        _ => IO.NpyDtype.Float32,
    };

    /// <summary>Bytes per element on disk.</summary>
    public static int Size(this GradDtype dtype) => dtype == GradDtype.Float32 ? 4 : 2;
}
