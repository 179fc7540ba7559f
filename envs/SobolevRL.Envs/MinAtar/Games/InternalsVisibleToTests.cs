using System.Runtime.CompilerServices;

// The game tests set up scenarios (entities, timers) through internal members.
[assembly: InternalsVisibleTo("SobolevRL.Envs.Tests")]
