using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.MinAtar.Games;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Tests.MinAtar;

public class SpaceInvadersGameTests
{
    private const int Noop = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    private static SpaceInvadersGame NewGame(bool ramping = true) => new(new NumpyRandomState(0), ramping);

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

    /// <summary>Cells (x, y) of rows <paramref name="rowStart"/>..<paramref name="rowEnd"/>-1 and columns <paramref name="colStart"/>..<paramref name="colEnd"/>-1, row by row.</summary>
    private static List<(int X, int Y)> Block(int rowStart, int rowEnd, int colStart, int colEnd) =>
        [.. from y in Enumerable.Range(rowStart, rowEnd - rowStart)
            from x in Enumerable.Range(colStart, colEnd - colStart)
            select (x, y)];

    private static (float Reward, bool Terminal) Repeat(IMinAtarGame game, int action, int times)
    {
        (float, bool) last = default;
        for (int i = 0; i < times; i++) last = game.Act(action);
        return last;
    }

    [Fact]
    public void DescribesItselfLikeTheReference()
    {
        var game = NewGame();
        Assert.Equal("SpaceInvaders", game.Name);
        Assert.Equal(["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"], game.ChannelNames);
        Assert.Equal([0, 1, 3, 5], game.MinimalActionSet);
    }

    [Fact]
    public void ResetPlacesTheCannonAndAWaveMovingLeft()
    {
        var game = NewGame();
        Assert.Equal([(5, 9)], Cells(game, "cannon"));
        Assert.Equal(Block(0, 4, 2, 8), Cells(game, "alien"));
        Assert.Equal(Block(0, 4, 2, 8), Cells(game, "alien_left"));
        Assert.Empty(Cells(game, "alien_right"));
        Assert.Empty(Cells(game, "friendly_bullet"));
        Assert.Empty(Cells(game, "enemy_bullet"));
        Assert.Equal((24, 12, 0), (game.AlienCount, game.AlienMoveInterval, game.DifficultyRamp));
    }

    [Fact]
    public void CannonMovesSidewaysOnlyAndStaysOnTheGrid()
    {
        var game = NewGame();
        Repeat(game, Left, 6);
        Assert.Equal([(0, 9)], Cells(game, "cannon"));
        game.Act(Up);
        game.Act(Down);
        Assert.Equal([(0, 9)], Cells(game, "cannon"));
        game.CannonX = 8;
        Repeat(game, Right, 2);
        Assert.Equal([(9, 9)], Cells(game, "cannon"));
    }

    [Fact]
    public void BulletsRiseOneRowPerStepAndFiringHasACooldownOfFive()
    {
        var game = NewGame();
        game.CannonX = 0;
        game.Act(Fire);
        Assert.Equal([(0, 8)], Cells(game, "friendly_bullet"));
        Repeat(game, Fire, 4);
        Assert.Equal([(0, 4)], Cells(game, "friendly_bullet"));
        game.Act(Fire);
        Assert.Equal([(0, 3), (0, 8)], Cells(game, "friendly_bullet"));
        Repeat(game, Noop, 4);
        Assert.Equal([(0, 4)], Cells(game, "friendly_bullet"));
    }

    [Fact]
    public void BulletDestroysTheAlienItReachesForOnePoint()
    {
        var game = NewGame();
        Assert.Equal((0f, false), Repeat(game, Fire, 5));
        Assert.Equal((1f, false), game.Act(Fire));
        Assert.Equal(23, game.AlienCount);
        Assert.DoesNotContain((5, 3), Cells(game, "alien"));
        Assert.Equal([(5, 8)], Cells(game, "friendly_bullet"));
    }

    [Fact]
    public void AliensStepEveryTwelveStepsThenTurnAndDescendAtTheWall()
    {
        var game = NewGame();
        game.CannonX = 9;
        Repeat(game, Noop, 12);
        Assert.Equal(Block(0, 4, 2, 8), Cells(game, "alien"));
        game.Act(Noop);
        Assert.Equal(Block(0, 4, 1, 7), Cells(game, "alien"));
        Repeat(game, Noop, 11);
        Assert.Equal(Block(0, 4, 1, 7), Cells(game, "alien"));
        game.Act(Noop);
        Assert.Equal(Block(0, 4, 0, 6), Cells(game, "alien"));
        Repeat(game, Noop, 12);
        Assert.Equal(Block(1, 5, 0, 6), Cells(game, "alien"));
        Assert.Equal(Block(1, 5, 0, 6), Cells(game, "alien_right"));
        Assert.Empty(Cells(game, "alien_left"));
        Assert.Equal((0f, false), Repeat(game, Noop, 12));
        Assert.Equal(Block(1, 5, 1, 7), Cells(game, "alien"));
    }

    [Fact]
    public void AliensFireEveryTenStepsFromTheLowestAlienOfTheNearestColumn()
    {
        var game = NewGame();
        Repeat(game, Noop, 10);
        Assert.Empty(Cells(game, "enemy_bullet"));
        game.Act(Noop);
        Assert.Equal([(5, 3)], Cells(game, "enemy_bullet"));
        Assert.Equal((0f, false), Repeat(game, Noop, 5));
        Assert.Equal([(5, 8)], Cells(game, "enemy_bullet"));
        Assert.Equal((0f, true), game.Act(Noop));
    }

    [Theory]
    [InlineData(5, 4, 2)]
    [InlineData(2, 3, 1)]
    public void ShotComesFromTheNearestColumnTheLeftOneOnTies(int cannonX, int shooterX, int shooterY)
    {
        var game = NewGame();
        game.PlaceAliens((0, 4), (2, 4), (1, 6), (1, 3));
        game.CannonX = cannonX;
        game.SetAlienTimers(move: 50, shot: 0);
        game.Act(Noop);
        Assert.Equal([(shooterX, shooterY)], Cells(game, "enemy_bullet"));
    }

    [Fact]
    public void FewAliensMoveEveryCountSteps()
    {
        var game = NewGame();
        game.CannonX = 0;
        game.PlaceAliens((0, 4), (0, 5), (0, 6));
        game.SetAlienTimers(move: 0, shot: 100);
        game.Act(Noop);
        Assert.Equal(Block(0, 1, 3, 6), Cells(game, "alien"));
        Repeat(game, Noop, 2);
        Assert.Equal(Block(0, 1, 3, 6), Cells(game, "alien"));
        game.Act(Noop);
        Assert.Equal(Block(0, 1, 2, 5), Cells(game, "alien"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClearingAWaveBringsANewOneThatMovesFasterWithRamping(bool ramping)
    {
        var game = NewGame(ramping);
        var intervals = new List<int>();
        for (int wave = 0; wave < 8; wave++)
        {
            game.PlaceAliens((4, 5));
            game.SetAlienTimers(move: 100, shot: 100);
            Assert.Equal((0f, false), game.Act(Fire));
            Assert.Equal((0f, false), Repeat(game, Noop, 3));
            Assert.Equal((1f, false), game.Act(Noop));
            Assert.Equal(Block(0, 4, 2, 8), Cells(game, "alien"));
            Assert.Equal(Block(0, 4, 2, 8), Cells(game, "alien_left"));
            intervals.Add(game.AlienMoveInterval);
        }
        Assert.Equal(ramping ? [11, 10, 9, 8, 7, 6, 6, 6] : [12, 12, 12, 12, 12, 12, 12, 12], intervals);
        Assert.Equal(ramping ? 6 : 0, game.DifficultyRamp);
    }

    [Fact]
    public void DescendingFromTheBottomRowEndsTheGameAndWrapsThatRowToTheTop()
    {
        var game = NewGame();
        game.PlaceAliens((9, 0));
        game.SetAlienTimers(move: 0, shot: 100);
        Assert.Equal((0f, true), game.Act(Noop));
        Assert.Equal([(0, 0)], Cells(game, "alien"));
        Assert.Equal([(0, 0)], Cells(game, "alien_right"));
    }

    [Fact]
    public void AlienLandingOnTheCannonEndsTheGame()
    {
        var game = NewGame();
        game.PlaceAliens((9, 6));
        game.SetAlienTimers(move: 0, shot: 100);
        Assert.Equal((0f, true), game.Act(Noop));
    }

    [Fact]
    public void CannonMovingIntoAnAlienEndsTheGameAndLaterActsChangeNothing()
    {
        var game = NewGame();
        game.PlaceAliens((9, 4));
        game.SetAlienTimers(move: 100, shot: 100);
        Assert.Equal((0f, true), game.Act(Left));

        var before = new byte[600];
        game.WriteState(before);
        Assert.Equal((0f, true), game.Act(Right));
        var after = new byte[600];
        game.WriteState(after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void DrawsNoRandomNumbers()
    {
        var rng = new NumpyRandomState(9);
        var game = new SpaceInvadersGame(rng, ramping: true);
        for (int i = 0; i < 200; i++)
            if (game.Act(i % 6).Terminal) game.Reset();
        Assert.Equal(new NumpyRandomState(9).NextUInt32(), rng.NextUInt32());
    }

    [Fact]
    public void RejectsActionsOutsideZeroToFiveAndShortBuffers()
    {
        var game = NewGame();
        Assert.Throws<ArgumentOutOfRangeException>(() => game.Act(6));
        Assert.Throws<ArgumentException>(() => game.WriteState(new byte[599]));
    }
}
