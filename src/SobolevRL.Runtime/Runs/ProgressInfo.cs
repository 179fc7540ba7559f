namespace SobolevRL.Runs;

/// <summary>A progress update of long work, reported through <see cref="IProgress{T}"/> (the CLI shows a bar or log lines).</summary>
/// <param name="Task">What is being done, e.g. <c>regression Ackley n=20 sobolev seed 0</c>.</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Unit">Name of a unit, e.g. <c>steps</c>, <c>states</c>.</param>
public readonly record struct ProgressInfo(string Task, long Done, long Total, string Unit = "steps");
