using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Ale;

/// <summary>Turns the shim's status codes into exceptions carrying the shim's message.</summary>
internal static class AleErrors
{
    /// <summary>Throws when <paramref name="status"/> is negative: <see cref="EnvException"/> for errors a user can fix, else <see cref="InvalidOperationException"/>.</summary>
    public static void ThrowIfFailed(int status, string doing)
    {
        if (status >= 0) return;
        string message = $"ALE failed {doing}: {AleNative.LastErrorMessage()}";
        throw status switch
        {
            AleNative.ErrorRomNotFound or AleNative.ErrorRomUnsupported or AleNative.ErrorMode => new EnvException(message),
            AleNative.ErrorArgument or AleNative.ErrorBufferSize => new ArgumentException(message),
            _ => new InvalidOperationException(message),
        };
    }
}
