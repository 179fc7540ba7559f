namespace SobolevRL.Onnx;

/// <summary>
/// A problem with an ONNX model that the user can fix: the file is missing, is not ONNX, is truncated,
/// uses operators or variants SobolevRL does not implement, or is fed inputs of the wrong shape.
/// The message names the file or node concerned and what would fix it.
/// </summary>
public sealed class OnnxModelException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public OnnxModelException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message and the low-level cause.</summary>
    public OnnxModelException(string message, Exception inner) : base(message, inner) { }
}
