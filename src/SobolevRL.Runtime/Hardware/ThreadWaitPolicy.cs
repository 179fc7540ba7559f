using System.Runtime.InteropServices;

namespace SobolevRL.Hardware;

/// <summary>
/// Makes libtorch's OpenMP worker threads sleep instead of spin between parallel regions (<c>OMP_WAIT_POLICY=PASSIVE</c>)
/// unless the user chose a policy. On a machine with more runnable threads than cores, spinning workers starve the
/// thread that has real work: label throughput measured here fell ~250× with the default (active) policy under load.
/// libgomp reads the variable once, when it is loaded, so call <see cref="Apply"/> before the first TorchSharp call.
/// </summary>
public static class ThreadWaitPolicy
{
    /// <summary>The environment variable libgomp reads.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native and managed environment when unset; returns the policy in effect.</summary>
    public static string Apply()
    {
        string? current = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(current)) return current;
        const string passive = "PASSIVE";
        if (!OperatingSystem.IsWindows()) _ = setenv(Variable, passive, 0);
        Environment.SetEnvironmentVariable(Variable, passive);
        return passive;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    static extern int setenv(string name, string value, int overwrite);
}
