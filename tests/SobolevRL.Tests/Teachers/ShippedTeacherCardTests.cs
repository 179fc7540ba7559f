namespace SobolevRL.Tests.Teachers;

/// <summary>The shipped teachers' cards: readable, evaluated over 100 episodes, and honest about a missed target.</summary>
public class ShippedTeacherCardTests
{
    // The MinAtar paper's DQN returns at 5M frames (Young & Tian 2019), which issue #4 names as the targets.
    public static TheoryData<string, double> Targets => new()
    {
        { "asterix", 17 },
        { "breakout", 10 },
        { "freeway", 50 },
        { "seaquest", 20 },
        { "spaceinvaders", 43 },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public void CardIsEvaluatedAndSaysSoWhenTheTargetIsMissed(string game, double target)
    {
        ModelCard card = ModelCard.Read(ModelCard.PathFor(RepoFile($"agents/minatar/{game}/policy.onnx")));
        Assert.NotNull(card.Training);
        Assert.NotNull(card.Evaluation);
        Assert.Equal(100, card.Evaluation.Episodes);
        Assert.Equal("greedy", card.Evaluation.Acting);
        if (card.Evaluation.ReturnMean < target)
        {
            Assert.False(string.IsNullOrWhiteSpace(card.Notes), $"{game}: return {card.Evaluation.ReturnMean} is below the target {target}; the card's notes must say so");
        }
    }
}
