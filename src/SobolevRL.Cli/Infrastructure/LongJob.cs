namespace SobolevRL.Cli.Infrastructure;

/// <summary>
/// Jobs whose defaults take many minutes: they print their plan, and refuse to start from the defaults alone, so a
/// bare command (tried to see what it does) does not start a 10-25 minute run.
/// </summary>
public static class LongJob
{
    /// <summary>
    /// Throws a <see cref="UserErrorException"/> naming <paramref name="plan"/> unless <paramref name="defined"/> (the
    /// defining options, a config file or a resume were given) or <paramref name="yes"/>; else logs the plan.
    /// </summary>
    public static void Confirm(string command, string plan, bool defined, bool yes, string definingOptions, bool quiet)
    {
        if (!defined && !yes)
            throw new UserErrorException($"{command} with none of {definingOptions} or --config would run its full defaults: {plan}; give those options, or --yes to run this plan");
        if (!quiet) Output.Log($"plan: {plan}");
    }
}
