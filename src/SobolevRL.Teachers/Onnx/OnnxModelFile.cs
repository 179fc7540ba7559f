using Google.Protobuf;
using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>Reads and writes ONNX model files, turning format problems into clear errors.</summary>
public static class OnnxModelFile
{
    /// <summary>Parses the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="OnnxModelException">The file is missing, empty, truncated or not an ONNX model.</exception>
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new OnnxModelException($"ONNX model '{path}' does not exist. Check the path.");
        }
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses an ONNX model from bytes; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="OnnxModelException">The bytes are not a complete ONNX model.</exception>
    public static ModelProto Parse(byte[] bytes, string sourceName)
    {
        if (bytes.Length == 0)
        {
            throw new OnnxModelException($"ONNX model '{sourceName}' is empty (0 bytes). Re-export the model.");
        }
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxModelException(
                $"'{sourceName}' is not a readable ONNX model ({bytes.Length} bytes): the protobuf data is " +
                $"{(e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase) ? "truncated" : "malformed")}. " +
                "Check that the file is an ONNX export and was copied completely.", e);
        }
        if (model.Graph is null || model.IrVersion <= 0 || model.OpsetImport.Count == 0)
        {
            throw new OnnxModelException(
                $"'{sourceName}' is not an ONNX model: it has no {(model.Graph is null ? "graph" : model.IrVersion <= 0 ? "IR version" : "opset import")}. " +
                "Check that the file is an ONNX export and was copied completely.");
        }
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>, replacing any existing file.</summary>
    public static void Write(ModelProto model, string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        File.WriteAllBytes(path, model.ToByteArray());
    }
}
