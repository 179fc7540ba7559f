using System.Diagnostics;
using SobolevRL.Envs.Core;
using SobolevRL.Hardware;
using SobolevRL.IO;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Policies;

namespace SobolevRL.Collection;

/// <summary>
/// Collects labelled states into a <see cref="DatasetWriter"/>. The env slots form two groups that alternate: while one
/// group's vector env steps (on its own threads), the teacher labels the other group's states, whose actions depend on
/// those labels. Every state is labelled by the teacher, whoever acts.
/// <para>
/// Episode e runs in slot e mod E with its own env seed and acting randomness (<see cref="EpisodeSeeds"/>). A shard is
/// committed every <see cref="CollectionRecord.ShardStates"/> states together with each slot's running episode and how
/// many of its states are committed. On resume, an episode that had states committed is kept as a partial episode
/// (listed in <see cref="DatasetManifest.PartialEpisodes"/>; its uncommitted states are lost) and its slot moves on to
/// its next episode; a slot whose running episode had no committed states starts that same episode again. So nothing
/// committed is lost and nothing is duplicated.
/// </para>
/// <para>
/// A recurrent teacher (<see cref="IRecurrentPolicy"/>) carries its state along each slot's episode: zeros at the
/// episode's start, then the state after each labelled step, whoever acts. Every state is labelled given the state the
/// teacher holds there (gradients with respect to the current observation, the state held fixed). Since a resumed slot
/// starts an episode afresh, the state never has to be saved to resume.
/// </para>
/// </summary>
public static class Collector
{
    /// <summary>About this many bytes per shard when the shard size is not given.</summary>
    public const long DefaultShardBytes = 256L << 20;

    /// <summary>
    /// Throws <see cref="UserErrorException"/> when the teacher (or the student) and the environment disagree on the
    /// observation shape (with <paramref name="frameStack"/> frames stacked on channels) or the number of actions.
    /// </summary>
    public static void CheckCompatible(IPolicy teacher, IStudentDriver? student, BoxSpace observation, int actions, int frameStack, string envId)
    {
        long[] expected = [observation.Shape[0] * (long)frameStack, observation.Shape[1], observation.Shape[2]];
        void Check(string who, long[] shape, int a)
        {
            if (!shape.SequenceEqual(expected))
                throw new UserErrorException($"the {who} takes observations of shape ({string.Join(", ", shape)}), {envId} with frame stack {frameStack} gives ({string.Join(", ", expected)}): use the {who} made for this environment, or set `frame_stack`");
            if (a != actions)
                throw new UserErrorException($"the {who} has {a} actions, {envId} has {actions}: use the {who} made for this environment");
        }
        Check("teacher", teacher.ObservationShape, teacher.Actions);
        if (student != null) Check("student", student.ObservationShape, student.Actions);
    }

    /// <summary>A manifest for a new collection.</summary>
    public static DatasetManifest NewManifest(CollectionOptions options, BoxSpace observation, int actions, TeacherRecord teacher, string? studentSha256)
    {
        var schema = new ReplaySchema(observation.Shape, options.FrameStack, actions, options.Labels, options.GradDtype);
        int shard = options.ShardStates > 0 ? options.ShardStates
            : (int)Math.Clamp(DefaultShardBytes / schema.BytesPerState, 1, 1 << 20);
        return new DatasetManifest
        {
            EnvId = options.EnvId,
            EnvOptions = new(options.EnvOptions),
            FrameShape = observation.Shape.ToArray(),
            FrameStack = options.FrameStack,
            Actions = actions,
            Teacher = teacher,
            Labels = options.Labels.ToString(),
            GradDtype = options.GradDtype.Name(),
            ProjectionSeed = EpisodeSeeds.ProjectionSeed(options.Seed, 0),
            Collection = options.ToRecord(shard, studentSha256),
        };
    }

    /// <summary>The options a dataset was collected with, to resume it (with a new target of <paramref name="states"/> when given).</summary>
    public static CollectionOptions OptionsOf(DatasetManifest manifest, long? states, int envThreads)
    {
        var c = manifest.Collection;
        var driver = c.Driver.StartsWith("mix:", StringComparison.Ordinal)
            ? new DriverSpec(DriverKind.Mix, double.Parse(c.Driver.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture), null)
            : c.Driver.StartsWith("student:", StringComparison.Ordinal) ? new DriverSpec(DriverKind.Student, 0, c.Driver[8..]) : DriverSpec.Teacher;
        return new CollectionOptions
        {
            EnvId = manifest.EnvId,
            EnvOptions = new(manifest.EnvOptions),
            States = states ?? c.TargetStates,
            Labels = manifest.LabelMode(),
            GradDtype = manifest.GradStorage(),
            Driver = driver,
            MixPer = c.MixPer == "step" ? MixPer.Step : MixPer.Episode,
            Acting = c.Acting == "sample" ? ActingMode.Sample : ActingMode.Greedy,
            Epsilon = c.Epsilon,
            ActingTemperature = c.ActingTemperature,
            Envs = c.Envs,
            EnvThreads = envThreads,
            Seed = c.Seed,
            HeldOutFraction = c.HeldOutFraction,
            Split = c.Split == HeldOutSplits.Streams ? HeldOutSplit.Streams : HeldOutSplit.Episodes,
            FrameStack = manifest.FrameStack,
            ShardStates = c.ShardStates,
            StoreTeacherState = manifest.TeacherStateSize > 0,
        };
    }

    /// <summary>
    /// Runs the collection until the dataset holds <see cref="CollectionOptions.States"/> states (or
    /// <paramref name="cancel"/> fires: the pending states are then committed). Continues where the writer's manifest
    /// stopped. <paramref name="student"/> is required for student and mixture drivers.
    /// </summary>
    public static CollectionResult Run(IPolicy teacher, IStudentDriver? student, Func<int, IEnv> makeEnv, DatasetWriter writer,
        CollectionOptions options, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (options.Driver.Kind != DriverKind.Teacher && student is null) throw new ArgumentException("a student driver is required", nameof(student));
        var manifest = writer.Manifest;
        int slots = manifest.Collection.Envs;
        if (slots != options.Envs) throw new ArgumentException($"the dataset was collected with {slots} env slots, options say {options.Envs}");
        var clock = Stopwatch.StartNew();
        long startStates = manifest.States;
        if (startStates >= options.States)
            return new CollectionResult(startStates, 0, 0, 0, 0, 0, 0, 0, manifest.Shards.Count, true, 0, new CollectionCpu(0, 0, 0));

        var firstEpisodes = new long[slots];
        var cutByCrash = new List<long>();
        for (int s = 0; s < slots; s++) firstEpisodes[s] = s;
        foreach (var p in manifest.InFlight)
        {
            if (p.CommittedSteps > 0)
            {
                cutByCrash.Add(p.Episode);
                firstEpisodes[p.Slot] = p.Episode + slots;
            }
            else firstEpisodes[p.Slot] = p.Episode;
        }
        int shardStates = manifest.Collection.ShardStates;
        var mode = options.Labels;
        int actions = manifest.Actions;
        long[] obsShape = manifest.ObservationShape();
        using var projectionGenerator = new Generator((ulong)EpisodeSeeds.ProjectionSeed(options.Seed, manifest.Shards.Count), teacher.Device);

        // Both groups are made and reset on pool threads at once; the first group is labelled as soon as it is ready,
        // so the second group's setup overlaps that labelling instead of adding to it.
        using var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        int firstCount = slots >= 2 ? (slots + 1) / 2 : slots;
        int stateSize = teacher is IRecurrentPolicy recurrent ? recurrent.StateSize : 0;
        var setups = new List<Task<EnvGroup>> { SetUp(makeEnv, 0, firstCount, slots, firstEpisodes, options, stateSize) };
        if (slots >= 2) setups.Add(SetUp(makeEnv, firstCount, slots - firstCount, slots, firstEpisodes, options, stateSize));
        var groups = new List<EnvGroup>();
        using var labelShards = new ShardThreads(options.LabelShards > 0 ? options.LabelShards : ShardThreads.Auto(teacher.Device));
        PosixFiles.KeepLargeAllocationsInHeap(); // libtorch's per-batch buffers of several MB would otherwise be fresh, page-faulted mappings
        ReserveShard(writer, options, shardStates);
        double labelSeconds = 0, waitSeconds = 0, commitSeconds = 0, setupSeconds = 0;
        long finished = 0;
        try
        {
            bool done = false;
            while (!done)
            {
                for (int k = 0; k < setups.Count; k++)
                {
                    EnvGroup g;
                    if (k == groups.Count)
                    {
                        long s = Stopwatch.GetTimestamp();
                        groups.Add(g = setups[k].GetAwaiter().GetResult());
                        setupSeconds += Stopwatch.GetElapsedTime(s).TotalSeconds;
                    }
                    else g = groups[k];
                    if (g.Stepping != null)
                    {
                        long w = Stopwatch.GetTimestamp();
                        g.Stepping.Wait();
                        g.Stepping = null;
                        waitSeconds += Stopwatch.GetElapsedTime(w).TotalSeconds;
                        done = Record(g, writer, options, ref finished);
                        progress?.Report(new ProgressInfo("collect", writer.States, options.States, "states"));
                        if (writer.Pending.Rows >= shardStates && !done)
                        {
                            long c = Stopwatch.GetTimestamp();
                            Commit(writer, groups, cutByCrash, complete: false, background: true);
                            cutByCrash.Clear();
                            ReserveShard(writer, options, shardStates);
                            commitSeconds += Stopwatch.GetElapsedTime(c).TotalSeconds;
                        }
                        if (done || cancel.IsCancellationRequested)
                        {
                            done = true;
                            break;
                        }
                    }
                    long l = Stopwatch.GetTimestamp();
                    Label(g, labelShards, teacher, student, mode, actions, obsShape, options, projectionGenerator);
                    labelSeconds += Stopwatch.GetElapsedTime(l).TotalSeconds;
                    g.StartStep();
                }
            }
            foreach (var g in groups)
            {
                g.Stepping?.Wait();
                g.Stepping = null;
            }
            long f = Stopwatch.GetTimestamp();
            Commit(writer, groups, cutByCrash, complete: writer.States >= options.States);
            commitSeconds += Stopwatch.GetElapsedTime(f).TotalSeconds;
        }
        finally
        {
            foreach (var g in groups) g.Dispose();
            for (int k = groups.Count; k < setups.Count; k++)
            {
                try
                {
                    setups[k].Wait();
                }
                catch (AggregateException)
                {
                    continue; // nothing was made, or it was disposed when its reset failed
                }
                setups[k].Result.Dispose();
            }
            try
            {
                writer.WaitForCommit(); // only pending after another failure; never leave a commit running
            }
            catch (IOException)
            {
                // the failure being propagated is the one to report; the committed dataset is intact either way
            }
        }
        process.Refresh();
        var cost = new CollectionCpu((process.TotalProcessorTime - cpuStart).TotalSeconds, groups.Sum(g => g.StepCpuSeconds), groups.Sum(g => g.SetupCpuSeconds));
        double seconds = clock.Elapsed.TotalSeconds;
        long added = writer.Manifest.States - startStates;
        return new CollectionResult(writer.Manifest.States, added, finished, seconds, added / Math.Max(seconds, 1e-9),
            labelSeconds, waitSeconds, commitSeconds, writer.Manifest.Shards.Count, writer.Manifest.Complete, setupSeconds, cost);
    }

    /// <summary>Makes env slots [first, first + count) as a group on a pool thread and starts their first episodes.</summary>
    private static Task<EnvGroup> SetUp(Func<int, IEnv> makeEnv, int first, int count, int slots, long[] firstEpisodes, CollectionOptions options, int stateSize) => Task.Run(() =>
    {
        double cpu = ThreadCpuClock.Seconds();
        var g = new EnvGroup(makeEnv, first, count, slots, firstEpisodes, options.Seed, options.EnvThreads, options.FrameStack, stateSize);
        try
        {
            g.Vector.Reset(0, g.Frames);
            for (int i = 0; i < g.Count; i++)
            {
                BeginEpisode(g, i, g.CurrentEpisode(i), options);
                g.FillStack(i);
            }
        }
        catch
        {
            g.Dispose();
            throw;
        }
        g.SetupCpuSeconds = ThreadCpuClock.Seconds() - cpu;
        return g;
    });

    /// <summary>
    /// Makes room in the pending shard for the rows it will get: up to the shard size plus one group (a shard is
    /// committed once a whole group's step has been recorded), and no more than the collection still needs.
    /// </summary>
    private static void ReserveShard(DatasetWriter writer, CollectionOptions options, int shardStates) =>
        writer.Pending.Reserve((int)Math.Clamp(options.States - writer.States, 0, Math.Max(0, shardStates + options.Envs - writer.Pending.Rows)));

    private static void BeginEpisode(EnvGroup g, int i, long episode, CollectionOptions options)
    {
        g.Episode[i] = episode;
        g.Step[i] = 0;
        g.Rng[i] = new Random(EpisodeSeeds.ActingSeed(options.Seed, episode));
        g.TeacherActs[i] = options.Driver.Kind switch
        {
            DriverKind.Teacher => true,
            DriverKind.Student => false,
            _ => options.MixPer == MixPer.Step || g.Rng[i].NextDouble() < options.Driver.Beta,
        };
    }

    private static void Label(EnvGroup g, ShardThreads shards, IPolicy teacher, IStudentDriver? student, LabelMode mode, int actions,
        long[] obsShape, CollectionOptions options, Generator projectionGenerator)
    {
        using var scope = NewDisposeScope();
        var x = torch.tensor(g.Stacks, [g.Count, obsShape[0], obsShape[1], obsShape[2]]).to(ScalarType.Float32).to(teacher.Device);
        var state = g.StateSize > 0 ? torch.tensor(g.TeacherState, [g.Count, g.StateSize]).to(teacher.Device) : null;
        using var labels = Labeler.Label(shards, teacher, x, mode, projectionGenerator, state: state);
        g.Logits = labels.Logits.cpu().contiguous().data<float>().ToArray();
        if (labels.NextState is { } next) g.NextTeacherState = next.cpu().contiguous().data<float>().ToArray();
        if (labels.GradLabels is { } grads)
        {
            long size = grads.numel() * options.GradDtype.Size();
            if (g.GradLabels.Length != size) g.GradLabels = new byte[size]; // reused: a fresh large array per batch costs page faults and GCs
            GradEncoding.Encode(grads, options.GradDtype, g.GradLabels);
        }
        g.Projections = labels.Projections is { } v ? v.cpu().contiguous().data<float>().ToArray() : [];
        float[]? studentLogits = null;
        if (options.Driver.Kind != DriverKind.Teacher) studentLogits = student!.ActingLogits(x).cpu().contiguous().data<float>().ToArray();
        Buffer.BlockCopy(g.Frames, 0, g.StagedFrames, 0, g.Frames.Length);
        for (int i = 0; i < g.Count; i++)
        {
            var rng = g.Rng[i];
            bool teacherActs = options.Driver.Kind == DriverKind.Mix && options.MixPer == MixPer.Step
                ? rng.NextDouble() < options.Driver.Beta
                : g.TeacherActs[i];
            var z = (teacherActs ? g.Logits : studentLogits!).AsSpan(i * actions, actions);
            g.Actions[i] = ActionChooser.Choose(z, options.Acting, options.Epsilon, options.ActingTemperature, rng);
        }
    }

    /// <summary>Appends the states whose step just completed; returns true when the target is reached.</summary>
    private static bool Record(EnvGroup g, DatasetWriter writer, CollectionOptions options, ref long finished)
    {
        var buffer = writer.Pending;
        int actions = buffer.Schema.Actions;
        int gradBytes = (int)buffer.GradBytesPerRow;
        int vLength = buffer.Projections * actions;
        for (int i = 0; i < g.Count; i++)
        {
            if (writer.States >= options.States) return true;
            long episode = g.Episode[i];
            buffer.Add(g.StagedFrames.AsSpan(i * g.FrameSize, g.FrameSize), g.Actions[i], g.Rewards[i], g.Terminated[i], g.Truncated[i],
                episode, g.Step[i], g.Logits.AsSpan(i * actions, actions), g.GradLabels.AsSpan(i * gradBytes, gradBytes),
                g.Projections.AsSpan(i * vLength, vLength), options.IsHeldOut(episode),
                g.TeacherState.AsSpan(i * buffer.TeacherStateSize, buffer.TeacherStateSize));
            if (g.Terminated[i] || g.Truncated[i])
            {
                finished++;
                BeginEpisode(g, i, g.CurrentEpisode(i), options);
                g.FillStack(i);
                g.ResetState(i);
            }
            else
            {
                g.Step[i]++;
                g.PushStack(i);
                g.AdvanceState(i);
            }
        }
        return writer.States >= options.States;
    }

    private static void Commit(DatasetWriter writer, List<EnvGroup> groups, List<long> cutByCrash, bool complete, bool background = false)
    {
        var inFlight = new List<SlotProgress>();
        var partial = new List<long>(cutByCrash);
        foreach (var g in groups)
            for (int i = 0; i < g.Count; i++)
            {
                inFlight.Add(new SlotProgress(g.FirstSlot + i, g.Episode[i], g.Step[i]));
                if (complete && g.Step[i] > 0) partial.Add(g.Episode[i]);
            }
        try
        {
            if (background) writer.CommitInBackground(inFlight, partial, complete);
            else writer.Commit(inFlight, partial, complete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string cause = IoErrors.Describe(e) ?? $"{e.Message}; check the disk";
            throw new UserErrorException($"writing shard {writer.Manifest.Shards.Count} of {writer.Directory} failed: {cause}; the {writer.Manifest.Shards.Count} committed shards ({writer.Manifest.States} states) are intact: then continue the collection of {writer.Directory} with `resume`");
        }
    }
}
