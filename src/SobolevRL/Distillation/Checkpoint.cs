using System.Security.Cryptography;
using SobolevRL.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// The resumable state of a distillation run in one file: step, sampler position, the estimator's generator state, the
/// student's weights and the optimiser state, followed by a SHA-256 of everything before it. Written to a temporary file
/// and renamed over the previous one, so a crash leaves either the old or the new checkpoint, never a torn one.
/// </summary>
public static class Checkpoint
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "checkpoint.bin";

    private const string Magic = "SOBOLEVRL-CKPT-1";

    /// <summary>What a checkpoint restores besides the weights and optimiser state.</summary>
    /// <param name="Step">Optimiser steps done.</param>
    /// <param name="SamplerPosition">Batches drawn from the sampler.</param>
    public readonly record struct Position(long Step, long SamplerPosition);

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string path, Position position, nn.Module model, optim.Optimizer optimizer, Generator generator)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(position.Step);
            w.Write(position.SamplerPosition);
            using var state = generator.get_state();
            WriteBlock(w, state.data<byte>().ToArray());
            WriteBlock(w, ToBytes(bw => model.save(bw)));
            WriteBlock(w, ToBytes(bw => ((OptimizerHelper)optimizer).save_state_dict(bw)));
        }
        byte[] hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        AtomicFile.Write(path, file =>
        {
            file.Write(body.GetBuffer(), 0, (int)body.Length);
            file.Write(hash);
        }, durable: true);
    }

    /// <summary>Restores a checkpoint into <paramref name="model"/>, <paramref name="optimizer"/> and <paramref name="generator"/>.</summary>
    /// <exception cref="UserErrorException">The file is missing, truncated or corrupted, or does not fit the model.</exception>
    public static Position Load(string path, nn.Module model, optim.Optimizer optimizer, Generator generator)
    {
        if (!File.Exists(path)) throw new UserErrorException($"cannot resume: no checkpoint '{path}' (the run never reached its first checkpoint); start a new run");
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < 32 || !SHA256.HashData(all.AsSpan(0, all.Length - 32)).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new UserErrorException($"checkpoint '{path}' is corrupted (checksum mismatch); it was not written by a finished save. Nothing was changed; start a new run with another --out");
        try
        {
            using var r = new BinaryReader(new MemoryStream(all, 0, all.Length - 32));
            if (r.ReadString() != Magic) throw new InvalidDataException("unknown format");
            var position = new Position(r.ReadInt64(), r.ReadInt64());
            byte[] rng = ReadBlock(r);
            using (var state = tensor(rng, dtype: ScalarType.Byte)) generator.set_state(state);
            using (var mr = new BinaryReader(new MemoryStream(ReadBlock(r)))) model.load(mr);
            using (var or = new BinaryReader(new MemoryStream(ReadBlock(r)))) ((OptimizerHelper)optimizer).load_state_dict(or);
            return position;
        }
        catch (Exception e) when (e is not UserErrorException)
        {
            throw new UserErrorException($"checkpoint '{path}' does not fit this run ({e.Message}); was the student or optimiser changed?");
        }
    }

    private static byte[] ToBytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(w);
        return stream.ToArray();
    }

    private static void WriteBlock(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBlock(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0) throw new InvalidDataException("negative block length");
        byte[] bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new InvalidDataException("truncated block");
        return bytes;
    }
}
