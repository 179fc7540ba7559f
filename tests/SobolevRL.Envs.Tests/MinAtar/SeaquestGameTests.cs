using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.MinAtar.Games;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Tests.MinAtar;

public class SeaquestGameTests
{
    private const int Noop = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    private static SeaquestGame NewGame(uint seed = 0, bool ramping = true) => new(new NumpyRandomState(seed), ramping);

    /// <summary>A game whose random spawns are pushed out of the way, for hand-placed scenarios.</summary>
    private static SeaquestGame QuietGame(bool ramping = true)
    {
        var game = NewGame(0, ramping);
        game.SetSpawnTimers(1000, 1000);
        return game;
    }

    private static List<(int X, int Y)> Cells(IMinAtarGame game, string channel)
    {
        var state = new byte[game.ChannelNames.Count * 100];
        game.WriteState(state);
        int c = game.ChannelNames.ToList().IndexOf(channel);
        Assert.True(c >= 0, channel);
        var cells = new List<(int X, int Y)>();
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                if (state[c * 100 + y * 10 + x] != 0) cells.Add((x, y));
        return cells;
    }

    private static (float Reward, bool Terminal) Repeat(IMinAtarGame game, int action, int times)
    {
        (float, bool) last = default;
        for (int i = 0; i < times; i++) last = game.Act(action);
        return last;
    }

    private static void AssertSub(IMinAtarGame game, (int X, int Y) front, (int X, int Y) back)
    {
        Assert.Equal([front], Cells(game, "sub_front"));
        Assert.Equal([back], Cells(game, "sub_back"));
    }

    [Fact]
    public void DescribesItselfLikeTheReference()
    {
        var game = NewGame();
        Assert.Equal("Seaquest", game.Name);
        Assert.Equal(
            ["sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub",
             "oxygen_guage", "diver_guage", "diver"],
            game.ChannelNames);
        Assert.Equal([0, 1, 2, 3, 4, 5], game.MinimalActionSet);
    }

    [Fact]
    public void ResetStartsAtTheSurfaceFacingLeftWithFullOxygen()
    {
        var game = NewGame();
        Assert.Equal([(5, 0)], Cells(game, "sub_front"));
        Assert.Equal([(6, 0)], Cells(game, "sub_back"));
        Assert.Equal(Enumerable.Range(0, 10).Select(x => (x, 9)), Cells(game, "oxygen_guage"));
        foreach (var channel in new[] { "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub", "diver_guage", "diver" })
            Assert.Empty(Cells(game, channel));
        Assert.Equal((200, 0, 20, 5, 0), (game.Oxygen, game.DiverCount, game.EnemySpawnInterval, game.EnemyMoveInterval, game.DifficultyRamp));
    }

    [Fact]
    public void EnemiesSpawnFromStep21AndDiversFromStep31WithTheReferenceDraws()
    {
        var rng = new NumpyRandomState(3);
        var game = new SeaquestGame(rng, ramping: true);
        var predicted = new NumpyRandomState(3);

        Repeat(game, Noop, 20);
        Assert.Empty(Cells(game, "enemy_fish").Concat(Cells(game, "enemy_sub")));

        bool enemyRight = predicted.Rand() < 0.5;
        bool isSub = predicted.Rand() < 1.0 / 3.0;
        int enemyY = predicted.RandInt(1, 9);
        int enemyX = enemyRight ? 0 : 9;
        string enemyChannel = isSub ? "enemy_sub" : "enemy_fish";
        game.Act(Noop);
        Assert.Equal([(enemyX, enemyY)], Cells(game, enemyChannel));
        Assert.Empty(Cells(game, "trail"));

        // It waits out its move timer (5) and moves on step 26, leaving a trail behind it.
        Repeat(game, Noop, 4);
        Assert.Equal([(enemyX, enemyY)], Cells(game, enemyChannel));
        game.Act(Noop);
        Assert.Equal([(enemyX + (enemyRight ? 1 : -1), enemyY)], Cells(game, enemyChannel));
        Assert.Equal([(enemyX, enemyY)], Cells(game, "trail"));

        Repeat(game, Noop, 4);
        Assert.Empty(Cells(game, "diver"));
        bool diverRight = predicted.Rand() < 0.5;
        int diverY = predicted.RandInt(1, 9);
        game.Act(Noop);
        Assert.Equal([(diverRight ? 0 : 9, diverY)], Cells(game, "diver"));

        // The next enemy spawn (step 41) draws three more numbers, and nothing else draws.
        Repeat(game, Noop, 10);
        predicted.Rand();
        predicted.Rand();
        predicted.RandInt(1, 9);
        Assert.Equal(predicted.NextUInt32(), rng.NextUInt32());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SpawnIsSkippedWhenItsRowHasAnEnemyMovingTheOtherWay(bool otherWay)
    {
        var rng = new NumpyRandomState(5);
        var game = new SeaquestGame(rng, ramping: true);
        var peek = new NumpyRandomState(0);
        peek.CopyFrom(rng);
        bool right = peek.Rand() < 0.5;
        peek.Rand();
        int y = peek.RandInt(1, 9);
        game.SetSpawnTimers(0, 1000);
        game.AddFish(5, y, movingRight: otherWay ? !right : right, moveTimer: 50);

        game.Act(Noop);

        int inRow = Cells(game, "enemy_fish").Concat(Cells(game, "enemy_sub")).Count(c => c.Y == y);
        Assert.Equal(otherWay ? 1 : 2, inRow);
        Assert.Equal(peek.NextUInt32(), rng.NextUInt32());
    }

    [Fact]
    public void SubMovesTurnsAndStaysOnTheGrid()
    {
        var game = NewGame();
        game.Act(Left);
        AssertSub(game, (4, 0), (5, 0));
        game.Act(Right);
        AssertSub(game, (5, 0), (4, 0));
        game.Act(Up);
        Assert.Equal([(5, 0)], Cells(game, "sub_front"));
        Repeat(game, Down, 10);
        Assert.Equal([(5, 8)], Cells(game, "sub_front"));
        Repeat(game, Left, 6);
        AssertSub(game, (0, 8), (1, 8));
    }

    [Fact]
    public void BulletsFlyOneCellPerStepAndFiringHasACooldownOfFive()
    {
        var game = NewGame();
        game.Act(Fire);
        Assert.Equal([(4, 0)], Cells(game, "friendly_bullet"));
        Repeat(game, Fire, 4);
        Assert.Equal([(0, 0)], Cells(game, "friendly_bullet"));
        Assert.Equal([(5, 0)], Cells(game, "sub_front"));
        game.Act(Fire);
        Assert.Equal([(4, 0)], Cells(game, "friendly_bullet"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BulletDestroysTheEnemyItReachesForOnePoint(bool enemySub)
    {
        var game = QuietGame();
        game.PlaceSubmarine(6, 3, facingRight: false);
        if (enemySub) game.AddEnemySub(2, 3, movingRight: true, moveTimer: 50, shotTimer: 50);
        else game.AddFish(2, 3, movingRight: true, moveTimer: 50);

        Assert.Equal((0f, false), game.Act(Fire));
        Assert.Equal((0f, false), Repeat(game, Noop, 2));
        Assert.Equal((1f, false), game.Act(Noop));
        Assert.Empty(Cells(game, "friendly_bullet"));
        Assert.Empty(Cells(game, enemySub ? "enemy_sub" : "enemy_fish"));
    }

    [Fact]
    public void FishSwimmingIntoABulletIsDestroyed()
    {
        var game = QuietGame();
        game.PlaceSubmarine(6, 3, facingRight: false);
        game.AddFish(3, 3, movingRight: true, moveTimer: 1);
        Assert.Equal((0f, false), game.Act(Fire));
        Assert.Equal((1f, false), game.Act(Noop));
        Assert.Empty(Cells(game, "enemy_fish"));
        Assert.Empty(Cells(game, "friendly_bullet"));
    }

    [Fact]
    public void FishReachingTheSubEndsTheGameAndLaterActsChangeNothing()
    {
        var game = QuietGame();
        game.PlaceSubmarine(5, 4, facingRight: false);
        game.AddFish(4, 4, movingRight: true, moveTimer: 0);
        Assert.Equal((0f, true), game.Act(Noop));

        var before = new byte[1000];
        game.WriteState(before);
        Assert.Equal((0f, true), game.Act(Left));
        var after = new byte[1000];
        game.WriteState(after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void SubMovingOntoAWaitingFishEndsTheGame()
    {
        var game = QuietGame();
        game.PlaceSubmarine(5, 4, facingRight: false);
        game.AddFish(4, 4, movingRight: true, moveTimer: 50);
        Assert.Equal((0f, true), game.Act(Left));
    }

    [Fact]
    public void EnemySubFiresEveryElevenStepsAlongItsRow()
    {
        var game = QuietGame();
        game.AddEnemySub(9, 5, movingRight: false, moveTimer: 100, shotTimer: 0);
        game.Act(Noop);
        Assert.Equal([(8, 5)], Cells(game, "enemy_bullet"));
        Repeat(game, Noop, 8);
        Assert.Equal([(0, 5)], Cells(game, "enemy_bullet"));
        Repeat(game, Noop, 2);
        Assert.Empty(Cells(game, "enemy_bullet"));
        game.Act(Noop);
        Assert.Equal([(8, 5)], Cells(game, "enemy_bullet"));
    }

    [Fact]
    public void EnemyBulletReachingTheSubEndsTheGame()
    {
        var game = QuietGame();
        game.PlaceSubmarine(5, 5, facingRight: false);
        game.AddEnemySub(9, 5, movingRight: false, moveTimer: 100, shotTimer: 0);
        Assert.Equal((0f, false), Repeat(game, Noop, 3));
        Assert.Equal((0f, true), game.Act(Noop));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(3, false)]
    public void EnemySubDestroyedOnItsMoveStillFiresADueShot(int shotTimer, bool shotHitsPlayer)
    {
        // The reference keeps handling a sub after removing it in the same step, so a due shot is still fired.
        var game = QuietGame();
        game.PlaceSubmarine(4, 4, facingRight: true);
        game.AddEnemySub(6, 4, movingRight: false, moveTimer: 0, shotTimer: shotTimer);
        Assert.Equal((1f, shotHitsPlayer), game.Act(Fire));
        Assert.Empty(Cells(game, "enemy_sub"));
        Assert.Equal(shotHitsPlayer ? 1 : 0, Cells(game, "enemy_bullet").Count(c => c == (4, 4)));
        Assert.Equal(shotHitsPlayer ? 1 : 0, Cells(game, "enemy_bullet").Count);
    }

    [Fact]
    public void TrailsMarkWhereEnemiesAndDiversCameFrom()
    {
        var game = QuietGame();
        game.AddFish(3, 2, movingRight: true, moveTimer: 0);
        game.AddEnemySub(7, 6, movingRight: false, moveTimer: 0, shotTimer: 50);
        game.AddDiver(0, 8, movingRight: true, moveTimer: 0);
        game.Act(Noop);
        Assert.Equal([(4, 2)], Cells(game, "enemy_fish"));
        Assert.Equal([(6, 6)], Cells(game, "enemy_sub"));
        Assert.Equal([(1, 8)], Cells(game, "diver"));
        Assert.Equal([(3, 2), (7, 6), (0, 8)], Cells(game, "trail"));
    }

    [Fact]
    public void SubPicksUpADiverByMovingOntoIt()
    {
        var game = QuietGame();
        game.PlaceSubmarine(5, 3, facingRight: false);
        game.AddDiver(4, 3, movingRight: true, moveTimer: 50);
        game.Act(Left);
        Assert.Equal(1, game.DiverCount);
        Assert.Empty(Cells(game, "diver"));
        Assert.Equal([(8, 9)], Cells(game, "diver_guage"));
    }

    [Fact]
    public void DiverSwimmingOntoTheSubIsPickedUp()
    {
        var game = QuietGame();
        game.PlaceSubmarine(4, 3, facingRight: false);
        game.AddDiver(3, 3, movingRight: true, moveTimer: 0);
        game.Act(Noop);
        Assert.Equal(1, game.DiverCount);
        Assert.Empty(Cells(game, "diver"));
    }

    [Fact]
    public void SubCarriesAtMostSixDivers()
    {
        var game = QuietGame();
        game.PlaceSubmarine(4, 3, facingRight: false);
        game.DiverCount = 6;
        game.AddDiver(4, 3, movingRight: true, moveTimer: 50);
        game.Act(Noop);
        Assert.Equal(6, game.DiverCount);
        Assert.Equal([(4, 3)], Cells(game, "diver"));
        Assert.Equal(Enumerable.Range(3, 6).Select(x => (x, 9)), Cells(game, "diver_guage"));
    }

    [Fact]
    public void OxygenDrainsUnderWaterAndTheGameEndsTheStepAfterItRunsOut()
    {
        var game = QuietGame();
        game.Act(Down);
        Assert.Equal(199, game.Oxygen);
        Assert.Equal(9, Cells(game, "oxygen_guage").Count);

        game.Oxygen = 3;
        Assert.Equal((0f, false), Repeat(game, Noop, 3));
        Assert.Equal(0, game.Oxygen);
        Assert.Empty(Cells(game, "oxygen_guage"));
        Assert.Equal((0f, true), game.Act(Noop));
    }

    [Fact]
    public void SurfacingWithoutDiversEndsTheGame()
    {
        var game = NewGame();
        Assert.Equal((0f, false), game.Act(Down));
        Assert.Equal((0f, true), game.Act(Up));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SurfacingWithDiversDropsOneRefillsOxygenAndRampsTheDifficulty(bool ramping)
    {
        var game = NewGame(ramping: ramping);
        game.DiverCount = 2;
        game.Act(Down);
        Assert.Equal((0f, false), game.Act(Up));
        Assert.Equal((1, 200), (game.DiverCount, game.Oxygen));
        Assert.Equal(ramping ? (19, 5, 1) : (20, 5, 0), (game.EnemySpawnInterval, game.EnemyMoveInterval, game.DifficultyRamp));

        game.Act(Noop);
        Assert.Equal((1, ramping ? 1 : 0), (game.DiverCount, game.DifficultyRamp));

        game.Act(Down);
        Assert.Equal((0f, false), game.Act(Up));
        Assert.Equal(0, game.DiverCount);
        Assert.Equal(ramping ? (18, 4, 2) : (20, 5, 0), (game.EnemySpawnInterval, game.EnemyMoveInterval, game.DifficultyRamp));

        game.Act(Down);
        Assert.Equal((0f, true), game.Act(Up));
    }

    [Fact]
    public void SurfacingWithSixDiversPaysATenthPerTwentyOxygenAndLeavesTheCountAtMinusOne()
    {
        var game = NewGame();
        game.DiverCount = 6;
        game.Oxygen = 157;
        game.Act(Down);
        Assert.Equal((7f, false), game.Act(Up));
        Assert.Equal((-1, 200), (game.DiverCount, game.Oxygen));
        Assert.Empty(Cells(game, "diver_guage"));

        // As in the reference, a negative count no longer counts as "no divers".
        game.Act(Down);
        Assert.Equal((0f, false), game.Act(Up));
        Assert.Equal(-2, game.DiverCount);
    }

    [Fact]
    public void RampingStopsAtSpawnInterval1AndMoveInterval2()
    {
        var game = NewGame();
        var seen = new List<(int Spawn, int Move, int Ramp)>();
        for (int i = 0; i < 22; i++)
        {
            game.SetSpawnTimers(1000, 1000);
            game.DiverCount = 3;
            game.Act(Down);
            Assert.False(game.Act(Up).Terminal);
            seen.Add((game.EnemySpawnInterval, game.EnemyMoveInterval, game.DifficultyRamp));
        }
        Assert.Equal((19, 5, 1), seen[0]);
        Assert.Equal((18, 4, 2), seen[1]);
        Assert.Equal((16, 3, 4), seen[3]);
        Assert.Equal((14, 2, 6), seen[5]);
        Assert.Equal((1, 2, 19), seen[18]);
        Assert.Equal((1, 2, 19), seen[21]);
    }

    [Fact]
    public void RejectsActionsOutsideZeroToFiveAndShortBuffers()
    {
        var game = NewGame();
        Assert.Throws<ArgumentOutOfRangeException>(() => game.Act(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => game.Act(-1));
        Assert.Throws<ArgumentException>(() => game.WriteState(new byte[999]));
    }
}
