namespace SobolevRL;

/// <summary>Exit codes of the CLI and of the jobs sweeps run in process (recorded as a run's result).</summary>
public static class ExitCodes
{
    /// <summary>The work stopped on an error the user can fix (a <see cref="UserErrorException"/>, or an environment or ONNX-model error).</summary>
    public const int UserError = 2;

    /// <summary>The work stopped on an unexpected failure (EX_SOFTWARE).</summary>
    public const int InternalError = 70;
}
