namespace SobolevRL.Envs.Core;

/// <summary>An error the user can fix (unknown id, missing ROM, missing native library, bad option); the message says how.</summary>
public sealed class EnvException(string message, Exception? inner = null) : Exception(message, inner);
