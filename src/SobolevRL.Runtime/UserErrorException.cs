namespace SobolevRL;

/// <summary>
/// An error the user caused and can fix (bad file, bad config value, unknown game, shape mismatch, ...).
/// Its message names the problem and the fix in one line; the CLI prints it without a stack trace.
/// </summary>
public sealed class UserErrorException(string message, Exception? inner = null) : Exception(message, inner);
