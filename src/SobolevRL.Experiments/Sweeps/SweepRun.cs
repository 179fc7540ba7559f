namespace SobolevRL.Sweeps;

/// <summary>One planned run of a sweep (saved as <c>runs/ID/run.json</c>).</summary>
/// <param name="Id">Stable id: hash of the resolved config and the data identity.</param>
/// <param name="Assignments">Values of the swept keys (and <c>seed</c>) of this run.</param>
/// <param name="Data">Its dataset.</param>
public sealed record SweepRun(string Id, Dictionary<string, string> Assignments, DataSpec Data);

/// <summary>The current plan of a sweep directory (<c>plan.json</c>): the runs of the latest definition.</summary>
/// <param name="Name">Sweep name.</param>
/// <param name="SweptKeys">Keys that vary across runs, in definition order; <c>seed</c> last.</param>
/// <param name="Device">Device of the runs.</param>
/// <param name="Runs">Run ids in plan order.</param>
/// <param name="Tune">Swept keys the report chooses on validation (<see cref="SweepDefinition.Tune"/>; null in plans written before it existed).</param>
public sealed record SweepPlan(string Name, IReadOnlyList<string> SweptKeys, string Device, IReadOnlyList<string> Runs, IReadOnlyList<string>? Tune = null);
