using SobolevRL.Bench;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>Options shared by the benchmarks that run the PyTorch peer beside ours on the peer's workloads.</summary>
public abstract class PeerBenchSettings : DeviceSettings
{
    /// <summary>Workload.</summary>
    [CommandOption("--workload <NAME>"), Description("nature (4x84x84, input/255) or minatar (4x10x10), exactly as the peer defines them."), DefaultValue("nature")]
    public string Workload { get; init; } = "nature";

    /// <summary>Seconds per measurement.</summary>
    [CommandOption("--seconds <S>"), Description("Minimum seconds per measurement (the peer's rule: 2 warm-up calls, then >= S seconds and >= 5 calls)."), DefaultValue(3.0)]
    public double Seconds { get; init; } = 3.0;

    /// <summary>Rounds of ours then the peer.</summary>
    [CommandOption("--repeats <R>"), Description("Rounds of ours then the peer; medians of the rounds are reported."), DefaultValue(3)]
    public int Repeats { get; init; } = 3;

    /// <summary>Run the peer.</summary>
    [CommandOption("--peer"), Description("Also run the PyTorch peer and report ratios; an error if it cannot run (default: run it when /usr/bin/python3 has torch, else say so in one line).")]
    public bool? Peer { get; init; }

    /// <summary>Skip the peer.</summary>
    [CommandOption("--no-peer"), Description("Do not run the PyTorch peer.")]
    public bool NoPeer { get; init; }

    /// <summary>Peer script.</summary>
    [CommandOption("--peer-script <FILE>"), Description("The peer script (default: the repository's tests/benchmarks/peer/torch_reference.py).")]
    public string? PeerScript { get; init; }

    /// <summary>Checks the shared options; returns whether the peer runs and its script.</summary>
    public (bool Run, string Script) CheckedPeer()
    {
        if (!(Seconds > 0)) throw new UserErrorException($"--seconds {Seconds}: must be > 0");
        if (Repeats < 1) throw new UserErrorException($"--repeats {Repeats}: must be >= 1");
        if (NoPeer) return (false, "");
        if (PeerScript != null && !File.Exists(PeerScript)) throw new UserErrorException($"peer script '{PeerScript}' not found; pass an existing --peer-script FILE or --no-peer");
        string? script = PeerScript ?? PeerBenchmark.DefaultScript();
        string? missing = script == null ? $"the reference script {PeerBenchmark.ScriptInRepository} is not above the working directory (run from a clone, or pass --peer-script FILE)"
            : !PeerBenchmark.TorchAvailable() ? $"{PeerBenchmark.Python} cannot import torch (apt-get install python3-torch)"
            : null;
        if (missing == null) return (true, script!);
        if (Peer == true) throw new UserErrorException($"--peer: {missing}; or drop --peer");
        Output.Log($"no peer: {missing}");
        return (false, "");
    }
}
