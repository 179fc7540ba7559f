using static SobolevRL.Envs.Tests.MinAtar.MinAtarTestKit;

namespace SobolevRL.Envs.Tests.MinAtar;

public class BreakoutScenarioTests
{
    private const int Paddle = 0, Ball = 1, Trail = 2, Brick = 3;

    private static (Envs.MinAtar.MinAtarEnv Env, byte[] Obs) StartLeft()
    {
        var env = Make("Breakout");
        var obs = new byte[env.ObservationSpace.Size];
        FindSeed(env, obs, o => At(o, Ball, 3, 0) == 1);
        return (env, obs);
    }

    [Fact]
    public void ResetPlacesPaddleBricksAndBallOnEitherSide()
    {
        using var env = Make("Breakout");
        var obs = new byte[env.ObservationSpace.Size];
        var starts = new HashSet<(int, int)>();
        for (long seed = 0; seed < 40; seed++)
        {
            env.Reset(seed, obs);
            Assert.Equal((9, 4), Single(obs, Paddle));
            var ball = Single(obs, Ball);
            Assert.Equal(ball, Single(obs, Trail));
            starts.Add(ball);
            var bricks = Cells(obs, Brick);
            Assert.Equal(30, bricks.Count);
            Assert.All(bricks, b => Assert.InRange(b.Y, 1, 3));
        }
        Assert.Equal(new HashSet<(int, int)> { (3, 0), (3, 9) }, starts);
    }

    [Fact]
    public void PaddleMovesLeftAndRightWithinTheRow()
    {
        var (env, obs) = StartLeft();
        using var _ = env;
        env.Step(Left, obs);
        Assert.Equal((9, 3), Single(obs, Paddle));
        foreach (int a in new[] { Up, Down, Fire, Noop })
        {
            env.Step(a, obs);
            Assert.Equal((9, 3), Single(obs, Paddle));
        }
        env.Reset(null, obs);
        for (int i = 0; i < 5; i++) env.Step(Left, obs);
        Assert.Equal((9, 0), Single(obs, Paddle));
    }

    [Fact]
    public void BallMissingThePaddleEndsTheGame()
    {
        var (env, obs) = StartLeft();
        using var _ = env;
        for (int step = 1; step <= 5; step++)
        {
            var r = env.Step(Noop, obs);
            Assert.False(r.Terminated);
            Assert.Equal((3 + step, step), Single(obs, Ball));
            Assert.Equal((2 + step, step - 1), Single(obs, Trail));
        }
        var last = env.Step(Noop, obs);
        Assert.True(last.Terminated);
        Assert.Equal(0f, last.Reward);
        Assert.Equal((9, 6), Single(obs, Ball));
        Assert.Throws<InvalidOperationException>(() => env.Step(Noop, obs));
    }

    [Fact]
    public void BallAbovePaddleBouncesStraightUpAndBreaksABrick()
    {
        var (env, obs) = StartLeft();
        using var _ = env;
        env.Step(Right, obs); // paddle to x5, under the ball's column when it lands
        for (int step = 2; step <= 5; step++) env.Step(Noop, obs);
        var bounce = env.Step(Noop, obs);
        Assert.False(bounce.Terminated);
        Assert.Equal((8, 6), Single(obs, Ball)); // kept its row, now moving up-right
        env.Step(Noop, obs);
        Assert.Equal((7, 7), Single(obs, Ball));
        env.Step(Noop, obs);
        env.Step(Noop, obs);
        Assert.Equal((5, 9), Single(obs, Ball));
        env.Step(Noop, obs); // the right wall turns it up-left; it moves straight up this frame
        Assert.Equal((4, 9), Single(obs, Ball));
        var hit = env.Step(Noop, obs);
        Assert.Equal(1f, hit.Reward);
        Assert.Equal(0, At(obs, Brick, 3, 8));
        Assert.Equal(29, Count(obs, Brick));
        Assert.Equal((4, 8), Single(obs, Ball)); // reflected: stays on its row, now moving down-left
        env.Step(Noop, obs);
        Assert.Equal((5, 7), Single(obs, Ball));
    }

    [Fact]
    public void BallLandingOnThePaddleEdgeReversesBothDirections()
    {
        var (env, obs) = StartLeft();
        using var _ = env;
        env.Step(Right, obs);
        env.Step(Right, obs); // paddle at x6, where the ball lands
        for (int step = 3; step <= 5; step++) env.Step(Noop, obs);
        var bounce = env.Step(Noop, obs);
        Assert.False(bounce.Terminated);
        Assert.Equal((8, 6), Single(obs, Ball));
        env.Step(Noop, obs);
        Assert.Equal((7, 5), Single(obs, Ball)); // back up-left along the way it came
    }

    /// <summary>
    /// A paddle that follows the ball clears the wall: each reward removes exactly one brick; the ball shares a cell
    /// with a brick only when reflected sideways by a hit or within a run of frames that started with a hit (the
    /// strike rule: no brick breaks on the frame after a hit); and the rows refill
    /// when the ball next reaches the bottom row after the last brick.
    /// </summary>
    [Fact]
    public void TrackingPaddleClearsTheWallAndTheRowsRefill()
    {
        using var env = Make("Breakout");
        var obs = new byte[env.ObservationSpace.Size];
        var picker = new System.Random(5);
        int totalReward = 0, refills = 0, passThroughs = 0;
        bool striking = false;
        env.Reset(3, obs);
        for (int step = 0; step < 20000 && refills < 2; step++)
        {
            var ball = Single(obs, Ball);
            var trail = Single(obs, Trail);
            int dx = ball.X - trail.X, dy = ball.Y - trail.Y;
            // Aim at the ball's next column or its current one (both bounce), varying the path.
            int target = dy > 0 && picker.Next(2) == 0 ? Math.Clamp(ball.X + (dx == 0 ? 1 : dx), 0, 9) : ball.X;
            int paddle = Single(obs, Paddle).X;
            int action = target < paddle ? Left : target > paddle ? Right : Noop;
            int bricksBefore = Count(obs, Brick);
            var r = env.Step(action, obs);
            Assert.False(r.Terminated, $"tracking paddle missed at step {step}");
            int bricksAfter = Count(obs, Brick);
            if (r.Reward > 0)
            {
                totalReward += (int)r.Reward;
                Assert.Equal(1f, r.Reward);
                if (bricksBefore == 1) Assert.True(bricksAfter == 0 || bricksAfter == 30);
                else Assert.Equal(bricksBefore - 1, bricksAfter);
            }
            else if (bricksAfter == 30 && bricksBefore == 0)
            {
                refills++;
                Assert.Equal(8, Single(obs, Ball).Y); // bounced off the paddle on the frame it refilled
                Assert.Equal(8, Single(obs, Trail).Y);
            }
            else
            {
                Assert.Equal(bricksBefore, bricksAfter);
            }
            var now = Single(obs, Ball);
            bool inBrick = At(obs, Brick, now.Y, now.X) == 1;
            if (inBrick)
            {
                passThroughs++;
                Assert.True(striking || r.Reward > 0, $"ball entered a brick at step {step} without a strike");
            }
            striking = r.Reward > 0 || inBrick;
        }
        Assert.Equal(2, refills);
        Assert.True(totalReward >= 60);
        Assert.True(passThroughs > 0, "the run never exercised the strike rule");
    }
}
