namespace SobolevRL;

/// <summary>
/// Tells an error the user can fix from an internal failure, across the layers that raise them: this project is the
/// lowest that sees all three kinds (<see cref="UserErrorException"/> of the runtime, environment errors of envs/,
/// ONNX-model errors of the importer).
/// </summary>
public static class UserErrors
{
    /// <summary>
    /// The message of an error the user can fix (a <see cref="UserErrorException"/>, an environment or ONNX-model
    /// error, alone or as the one error inside an <see cref="AggregateException"/>), or null for an internal failure.
    /// </summary>
    public static string? MessageOf(Exception e) => e switch
    {
        UserErrorException u => u.Message,
        Envs.Core.EnvException env => env.Message,
        Onnx.OnnxModelException onnx => onnx.Message,
        AggregateException { InnerExceptions.Count: 1 } a => MessageOf(a.InnerException!),
        _ => null,
    };
}
