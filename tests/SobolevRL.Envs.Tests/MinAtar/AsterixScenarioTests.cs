using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.MinAtar.Games;
using static SobolevRL.Envs.Tests.MinAtar.MinAtarTestKit;

namespace SobolevRL.Envs.Tests.MinAtar;

public class AsterixScenarioTests
{
    private const int Player = 0, Enemy = 1, Trail = 2, Gold = 3;

    private static List<(int Y, int X)> Entities(byte[] obs) => [.. Cells(obs, Enemy), .. Cells(obs, Gold)];

    [Fact]
    public void PlayerStartsInTheMiddleAndStaysInRowsOneToEight()
    {
        using var env = Make("Asterix");
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        Assert.Equal((5, 5), Single(obs, Player));
        Assert.Empty(Entities(obs));
        Assert.Empty(Cells(obs, Trail));
        // The first ten frames are free of entities: walk into each corner.
        (int Action, int Times, (int, int) End)[] moves = [(Up, 5, (1, 5)), (Left, 6, (1, 0)), (Down, 9, (8, 0))];
        foreach (var (action, times, end) in moves)
        {
            for (int i = 0; i < times; i++) env.Step(action, obs);
            Assert.Equal(end, Single(obs, Player));
        }
    }

    [Fact]
    public void EntitySpawnsOnFrameElevenAtAnEdgeAndMovesEveryFiveFrames()
    {
        using var env = Make("Asterix");
        var obs = new byte[env.ObservationSpace.Size];
        var sides = new HashSet<int>();
        var kinds = new HashSet<bool>();
        for (long seed = 0; seed < 30; seed++)
        {
            env.Reset(seed, obs);
            for (int step = 1; step <= 10; step++)
            {
                env.Step(Noop, obs);
                Assert.Empty(Entities(obs));
            }
            env.Step(Noop, obs);
            // Spawned at column 0 or 9 and, as frame 11 is also a move frame, already one cell in.
            var (y, x) = Assert.Single(Entities(obs));
            Assert.InRange(y, 1, 8);
            Assert.Contains(x, new[] { 1, 8 });
            int direction = x == 1 ? 1 : -1;
            Assert.Equal((y, x - direction), Single(obs, Trail));
            sides.Add(direction);
            kinds.Add(At(obs, Gold, y, x) == 1);
            for (int step = 12; step <= 16; step++)
            {
                if (env.Step(Noop, obs).Done) break;
                var moved = Entities(obs).Where(e => e.Y == y).ToList();
                if (moved.Count == 0) break; // picked up by the player standing in that lane
                Assert.Equal((y, step < 16 ? x : x + direction), moved[0]);
            }
        }
        Assert.Equal(2, sides.Count);
        Assert.Equal(2, kinds.Count);
    }

    /// <summary>The player waits in the lane of the first entity, at column 5: gold pays +1 and vanishes, an enemy ends the game.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ContactWithGoldPaysAndWithAnEnemyEndsTheGame(bool gold)
    {
        using var env = Make("Asterix");
        var obs = new byte[env.ObservationSpace.Size];
        for (long seed = 0; ; seed++)
        {
            env.Reset(seed, obs);
            for (int i = 0; i < 11; i++) env.Step(Noop, obs);
            var first = Entities(obs);
            if (first.Count == 1 && first[0].Y != 5 && (At(obs, Gold, first[0].Y, first[0].X) == 1) == gold) break;
        }
        var (lane, x0) = Entities(obs)[0];
        // Entity moves on frames 16, 21, 26, 31: from column 8 it reaches column 5 on frame 26, from column 1 on 31.
        int contactFrame = x0 == 8 ? 26 : 31;
        for (int frame = 12; frame <= contactFrame; frame++)
        {
            int row = Single(obs, Player).Y;
            var r = env.Step(row < lane ? Down : row > lane ? Up : Noop, obs);
            if (frame < contactFrame)
            {
                Assert.Equal(0f, r.Reward);
                Assert.False(r.Terminated);
                continue;
            }
            Assert.Equal((lane, 5), Single(obs, Player));
            if (gold)
            {
                Assert.Equal(1f, r.Reward);
                Assert.False(r.Terminated);
                Assert.DoesNotContain(Entities(obs), e => e.Y == lane);
            }
            else
            {
                Assert.Equal(0f, r.Reward);
                Assert.True(r.Terminated);
                Assert.Equal(1, At(obs, Enemy, lane, 5));
            }
        }
    }

    [Fact]
    public void WalkingIntoAnEntityCountsBeforeItMoves()
    {
        using var env = Make("Asterix");
        var obs = new byte[env.ObservationSpace.Size];
        long seed = 0;
        for (; ; seed++)
        {
            env.Reset(seed, obs);
            for (int i = 0; i < 11; i++) env.Step(Noop, obs);
            var first = Entities(obs);
            if (first.Count == 1 && first[0].X == 8 && At(obs, Gold, first[0].Y, 8) == 1) break;
        }
        var (lane, _) = Entities(obs)[0];
        // Player moves draw nothing, so the same seed spawns the same gold: wait at column 7 of its lane, then step
        // onto it on frame 12, when entities do not move (they move on frames 11 and 16).
        env.Reset(seed, obs);
        var plan = new List<int>();
        for (int row = 5; row != lane; row += Math.Sign(lane - 5)) plan.Add(lane > 5 ? Down : Up);
        plan.AddRange([Right, Right]);
        while (plan.Count < 11) plan.Add(Noop);
        foreach (int action in plan) Assert.Equal(0f, env.Step(action, obs).Reward);
        Assert.Equal((lane, 7), Single(obs, Player));
        Assert.Equal(1, At(obs, Gold, lane, 8));
        var r = env.Step(Right, obs);
        Assert.Equal(1f, r.Reward);
        Assert.Equal((lane, 8), Single(obs, Player));
        Assert.DoesNotContain(Entities(obs), e => e.Y == lane);
    }

    /// <summary>Noop, or a move that keeps the player off every enemy and off every cell an enemy could enter next.</summary>
    private static int Dodge(byte[] obs)
    {
        var (py, px) = Single(obs, Player);
        bool Safe(int y, int x)
        {
            if (x < 2 || x > 7) return false; // spawns arrive at the edges
            for (int dx = -1; dx <= 1; dx++)
                if (x + dx >= 0 && x + dx <= 9 && At(obs, Enemy, y, x + dx) == 1) return false;
            return true;
        }
        (int Action, int Y, int X)[] options =
            [(Noop, py, px), (Up, Math.Max(1, py - 1), px), (Down, Math.Min(8, py + 1), px), (Left, py, px - 1), (Right, py, px + 1)];
        foreach (var (action, y, x) in options)
            if (Safe(y, x)) return action;
        return Noop;
    }

    private static long SurvivingSeed(bool ramping, int frames)
    {
        using var env = Make("Asterix", ramping: ramping);
        var obs = new byte[env.ObservationSpace.Size];
        for (long seed = 0; seed < 200; seed++)
        {
            env.Reset(seed, obs);
            int step = 0;
            while (step < frames && !env.Step(Dodge(obs), obs).Done) step++;
            if (step == frames) return seed;
        }
        throw new InvalidOperationException("no surviving seed");
    }

    [Fact]
    public void RampingSpeedsUpSpawnsEvery102FramesAndMovesEveryOtherRamp()
    {
        long seed = SurvivingSeed(ramping: true, frames: 420);
        using var env = Make("Asterix");
        var game = (AsterixGame)env.Game;
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(seed, obs);
        for (int frame = 1; frame <= 420; frame++)
        {
            env.Step(Dodge(obs), obs);
            int level = frame / 102;
            Assert.Equal(level, game.DifficultyLevel);
            Assert.Equal(10 - level, game.SpawnInterval);
            Assert.Equal(5 - level / 2, game.MoveInterval);
        }
    }

    [Fact]
    public void WithoutRampingTheDifficultyStaysFixed()
    {
        long seed = SurvivingSeed(ramping: false, frames: 250);
        using var env = Make("Asterix", ramping: false);
        var game = (AsterixGame)env.Game;
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(seed, obs);
        int spawns = 0;
        var previous = new byte[obs.Length];
        for (int frame = 1; frame <= 250; frame++)
        {
            obs.CopyTo(previous, 0);
            env.Step(Dodge(obs), obs);
            // A new entity shows up in a lane that was empty, one cell from an edge.
            foreach (var (y, x) in Entities(obs))
                if ((x == 1 || x == 8) && !Entities(previous).Any(e => e.Y == y)) spawns++;
        }
        Assert.Equal(0, game.DifficultyLevel);
        Assert.Equal(10, game.SpawnInterval);
        Assert.Equal(5, game.MoveInterval);
        Assert.InRange(spawns, 20, 25); // one every 10 frames from frame 11 (fewer if gold was taken on arrival)
    }
}
