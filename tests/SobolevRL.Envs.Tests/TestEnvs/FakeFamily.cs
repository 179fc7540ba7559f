using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Tests.TestEnvs;

/// <summary>A family of <see cref="CountingEnv"/> ids for registry tests; reads the option <c>actions</c>.</summary>
public sealed class FakeFamily(string prefix = "Test/", params string[] names) : IEnvFamily
{
    private readonly string[] _names = names.Length > 0 ? names : ["Counting-v0", "Counting-v1"];

    public string Prefix => prefix;
    public IEnumerable<(string Id, string Description)> Ids => _names.Select(n => (prefix + n, "counting test env"));
    public IEnumerable<(string Name, string Default, string Meaning)> Options => [("actions", "4", "number of actions")];
    public List<CountingEnv> Made { get; } = [];

    public IEnv Make(string id, EnvOptions options)
    {
        var env = new CountingEnv(options.GetInt("actions", 4, 1));
        Made.Add(env);
        return env;
    }
}
