namespace SobolevRL.IO;

/// <summary>Element types of the .npy arrays the project reads and writes (all little-endian).</summary>
public enum NpyDtype
{
    /// <summary>Unsigned byte, numpy <c>|u1</c>.</summary>
    UInt8,
    /// <summary>IEEE single, numpy <c>&lt;f4</c>.</summary>
    Float32,
    /// <summary>IEEE half, numpy <c>&lt;f2</c>.</summary>
    Float16,
    /// <summary>Signed 64-bit integer, numpy <c>&lt;i8</c>.</summary>
    Int64,
    /// <summary>Boolean stored as one byte (0 or 1), numpy <c>|b1</c>.</summary>
    Bool,
    /// <summary>Signed 32-bit integer, numpy <c>&lt;i4</c>.</summary>
    Int32,
    /// <summary>Unsigned 16-bit integer, numpy <c>&lt;u2</c> (also bfloat16 bit patterns).</summary>
    UInt16,
}

/// <summary>Sizes and numpy descriptors of <see cref="NpyDtype"/>.</summary>
public static class NpyDtypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this NpyDtype dtype) => dtype switch
    {
        NpyDtype.UInt8 or NpyDtype.Bool => 1,
        NpyDtype.Float16 or NpyDtype.UInt16 => 2,
        NpyDtype.Float32 or NpyDtype.Int32 => 4,
        NpyDtype.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The numpy <c>descr</c> string written in headers.</summary>
    public static string Descriptor(this NpyDtype dtype) => dtype switch
    {
        NpyDtype.UInt8 => "|u1",
        NpyDtype.Bool => "|b1",
        NpyDtype.Float16 => "<f2",
        NpyDtype.Float32 => "<f4",
        NpyDtype.Int64 => "<i8",
        NpyDtype.Int32 => "<i4",
        NpyDtype.UInt16 => "<u2",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Parses a numpy <c>descr</c>; null when it is not one of the supported little-endian types.</summary>
    public static NpyDtype? TryParse(string descr)
    {
        // Single-byte types may carry any byte-order mark; wider types must be little-endian ('<').
        return descr switch
        {
            "|u1" or "<u1" or "=u1" or "u1" or ">u1" => NpyDtype.UInt8,
            "|b1" or "<b1" or "=b1" or "b1" or "?" or "|?" => NpyDtype.Bool,
            "<f2" => NpyDtype.Float16,
            "<f4" => NpyDtype.Float32,
            "<i8" => NpyDtype.Int64,
            "<i4" => NpyDtype.Int32,
            "<u2" => NpyDtype.UInt16,
            _ => null,
        };
    }
}
