using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Tests.TestEnvs;

namespace SobolevRL.Envs.Tests.Registry;

public class EnvRegistryTests
{
    [Fact]
    public void MakesIdsOfTheFamilyOwningTheirPrefix()
    {
        var a = new FakeFamily("A/");
        var b = new FakeFamily("B/", "Other-v0");
        var registry = new EnvRegistry([a, b]);
        using var env = registry.Make("B/Other-v0", EnvOptions.Parse(["actions=7"]));
        Assert.Single(b.Made);
        Assert.Empty(a.Made);
        Assert.Equal(7, env.ActionSpace.N);
    }

    [Fact]
    public void ListsEveryIdOfEveryFamilyInOrder()
    {
        var registry = new EnvRegistry([new FakeFamily("A/"), new FakeFamily("B/", "Other-v0")]);
        var ids = registry.List().Select(e => e.Id).ToArray();
        Assert.Equal(["A/Counting-v0", "A/Counting-v1", "B/Other-v0"], ids);
        Assert.All(registry.List(), e => Assert.Equal(e.Id[..2], e.Family));
    }

    [Fact]
    public void UnknownIdWithATypoSuggestsTheClosestAndListsAll()
    {
        var registry = new EnvRegistry([new FakeFamily("A/"), new FakeFamily("B/", "Other-v0")]);
        var e = Assert.Throws<EnvException>(() => registry.Make("A/Countnig-v1"));
        Assert.Contains("'A/Countnig-v1'", e.Message);
        Assert.Contains("Did you mean 'A/Counting-v1'?", e.Message);
        Assert.Contains("A/Counting-v0, A/Counting-v1, B/Other-v0", e.Message);
    }

    [Fact]
    public void UnknownIdFarFromAnyGivesNoSuggestion()
    {
        var registry = new EnvRegistry([new FakeFamily("A/")]);
        var e = Assert.Throws<EnvException>(() => registry.Make("Zzzzzzzzzzzzzzzz"));
        Assert.DoesNotContain("Did you mean", e.Message);
        Assert.Contains("A/Counting-v0", e.Message);
    }

    [Fact]
    public void IdWithAKnownPrefixButNotListedIsUnknown()
    {
        var family = new FakeFamily("A/");
        var registry = new EnvRegistry([family]);
        Assert.Throws<EnvException>(() => registry.Make("A/Counting-v9"));
        Assert.Empty(family.Made);
    }

    [Fact]
    public void OptionTheFamilyDidNotReadIsAnErrorAndTheEnvIsDisposed()
    {
        var family = new FakeFamily("A/");
        var registry = new EnvRegistry([family]);
        var e = Assert.Throws<EnvException>(() => registry.Make("A/Counting-v0", EnvOptions.Parse(["actoins=3"])));
        Assert.Contains("actoins", e.Message);
        Assert.Contains("actions", e.Message);
        Assert.True(family.Made.Single().Disposed);
    }

    [Fact]
    public void OverlappingPrefixesAreRejected()
    {
        var registry = new EnvRegistry([new FakeFamily("ALE/")]);
        Assert.Throws<ArgumentException>(() => registry.Register(new FakeFamily("ALE/Pong/")));
        Assert.Throws<ArgumentException>(() => registry.Register(new FakeFamily("AL")));
    }

    [Fact]
    public void DefaultRegistryMakesMinAtarAndSuggestsForATypo()
    {
        var registry = EnvRegistry.CreateDefault();
        Assert.Contains(registry.List(), e => e.Id == "MinAtar/Breakout-v1");
        using var env = registry.Make("MinAtar/Breakout-v1");
        Assert.Equal("MinAtar/Breakout-v1", env.Id);
        var e = Assert.Throws<EnvException>(() => registry.Make("MinAtar/breakout-v1"));
        Assert.Contains("Did you mean 'MinAtar/Breakout-v1'?", e.Message);
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("Breakout", "breakout", 0)]
    [InlineData("Breakuot", "Breakout", 2)]
    [InlineData("flaw", "lawn", 2)]
    public void EditDistanceIsLevenshteinIgnoringCase(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Between(a, b));
        Assert.Equal(expected, EditDistance.Between(b, a));
    }
}
