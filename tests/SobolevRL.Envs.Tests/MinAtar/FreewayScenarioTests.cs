using static SobolevRL.Envs.Tests.MinAtar.MinAtarTestKit;

namespace SobolevRL.Envs.Tests.MinAtar;

public class FreewayScenarioTests
{
    private const int Chicken = 0, Car = 1, FirstSpeed = 2;

    /// <summary>A car as read from an observation: its column, its speed 1..5 (trail channel) and direction.</summary>
    private readonly record struct CarView(int X, int Speed, int Direction);

    private static CarView ReadCar(byte[] obs, int row)
    {
        int x = Cells(obs, Car).Single(c => c.Y == row).X;
        for (int speed = 1; speed <= 5; speed++)
        {
            var trail = Cells(obs, FirstSpeed + speed - 1).Where(c => c.Y == row).ToList();
            if (trail.Count == 0) continue;
            Assert.Single(trail);
            int direction = trail[0].X == (x + 9) % 10 ? 1 : trail[0].X == (x + 1) % 10 ? -1 : 0;
            Assert.NotEqual(0, direction);
            return new CarView(x, speed, direction);
        }
        throw new InvalidOperationException($"no trail in row {row}");
    }

    [Fact]
    public void ResetPutsTheChickenAtTheBottomAndOneCarPerLaneAtTheLeftEdge()
    {
        using var env = Make("Freeway");
        var obs = new byte[env.ObservationSpace.Size];
        var speeds = new HashSet<int>();
        var directions = new HashSet<int>();
        for (long seed = 0; seed < 10; seed++)
        {
            env.Reset(seed, obs);
            Assert.Equal((9, 4), Single(obs, Chicken));
            var cars = Cells(obs, Car);
            Assert.Equal(Enumerable.Range(1, 8).Select(y => (y, 0)), cars);
            for (int row = 1; row <= 8; row++)
            {
                var car = ReadCar(obs, row);
                speeds.Add(car.Speed);
                directions.Add(car.Direction);
            }
        }
        Assert.Equal(new HashSet<int> { 1, 2, 3, 4, 5 }, speeds);
        Assert.Equal(new HashSet<int> { -1, 1 }, directions);
    }

    [Fact]
    public void CarOfSpeedSMovesEverySPlusOneFramesAndWraps()
    {
        using var env = Make("Freeway");
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(11, obs);
        var initial = Enumerable.Range(1, 8).Select(row => ReadCar(obs, row)).ToArray();
        for (int step = 1; step <= 60; step++)
        {
            env.Step(Noop, obs);
            for (int lane = 0; lane < 8; lane++)
            {
                var car = initial[lane];
                int moves = step / (car.Speed + 1);
                int expectedX = ((car.X + car.Direction * moves) % 10 + 10) % 10;
                Assert.Equal(car with { X = expectedX }, ReadCar(obs, lane + 1));
            }
        }
    }

    [Fact]
    public void ChickenMovesOnlyEveryThirdFrame()
    {
        using var env = Make("Freeway");
        var obs = new byte[env.ObservationSpace.Size];
        // Cars of rows 7 and 8 must not reach column 4 within 10 frames: not a speed-1 car heading right.
        FindSeed(env, obs, o => ReadCar(o, 7) is not { Speed: 1, Direction: 1 } && ReadCar(o, 8) is not { Speed: 1, Direction: 1 });
        int[] expectedRows = [9, 9, 9, 8, 8, 8, 7];
        foreach (int row in expectedRows)
        {
            env.Step(Up, obs);
            Assert.Equal((row, 4), Single(obs, Chicken));
        }
        // Down works on the same timer and cannot leave the bottom row.
        env.Step(Down, obs);
        Assert.Equal((7, 4), Single(obs, Chicken));
        env.Step(Down, obs);
        env.Step(Down, obs);
        Assert.Equal((8, 4), Single(obs, Chicken));
    }

    /// <summary>
    /// Always pressing up: each crossing pays +1 and puts the chicken back on row 9 with new car speeds but cars kept
    /// in place; every other return to row 9 is a car hit (the car of that lane is in column 4) and pays nothing.
    /// </summary>
    [Fact]
    public void CrossingPaysOneAndCarHitsSendTheChickenBackWithoutPenalty()
    {
        using var env = Make("Freeway");
        var obs = new byte[env.ObservationSpace.Size];
        var before = new byte[obs.Length];
        env.Reset(4, obs);
        int crossings = 0, hits = 0, speedChanges = 0;
        for (int step = 1; step <= 2500; step++)
        {
            obs.CopyTo(before, 0);
            int rowBefore = Single(before, Chicken).Y;
            var r = env.Step(Up, obs);
            Assert.False(r.Terminated);
            int rowAfter = Single(obs, Chicken).Y;
            if (r.Reward > 0)
            {
                Assert.Equal(1f, r.Reward);
                Assert.Equal(1, rowBefore);
                Assert.Equal(9, rowAfter);
                crossings++;
                for (int row = 1; row <= 8; row++)
                    if (ReadCar(before, row).Speed != ReadCar(obs, row).Speed) speedChanges++;
            }
            else if (rowAfter == 9 && rowBefore < 9)
            {
                // Hit either where it stood or where it stepped to (checked before and after the car moves).
                bool carThere = new[] { rowBefore, rowBefore - 1 }.Any(row => row >= 1 &&
                    (At(before, Car, row, 4) == 1 || At(obs, Car, row, 4) == 1));
                Assert.True(carThere, $"step {step}: chicken sent back from row {rowBefore} without a car in column 4");
                hits++;
            }
            else
            {
                Assert.True(rowAfter == rowBefore || rowAfter == rowBefore - 1);
            }
        }
        Assert.True(crossings >= 5, $"only {crossings} crossings");
        Assert.True(hits >= 5, $"only {hits} hits");
        Assert.True(speedChanges > 0);
    }

    [Fact]
    public void EpisodeEndsAfter2501Frames()
    {
        using var env = Make("Freeway");
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(2, obs);
        for (int step = 1; step <= 2500; step++) Assert.False(env.Step(step % 3 == 0 ? Down : Up, obs).Done);
        var last = env.Step(Noop, obs);
        Assert.True(last.Terminated);
        Assert.False(last.Truncated);
    }
}
