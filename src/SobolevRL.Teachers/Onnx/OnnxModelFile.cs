using Google.Protobuf;
using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>Reads and writes ONNX model files, turning format problems into clear errors.</summary>
public static class OnnxModelFile
{
    /// <summary>
    /// Parses the ONNX model at <paramref name="path"/>. Tensors saved as external data (weights in a file beside the
    /// graph, <c>onnx.save_model(..., save_as_external_data=True)</c>, as large models are saved) are read in.
    /// </summary>
    /// <exception cref="OnnxModelException">The file is missing, empty, truncated or not an ONNX model, or its external data is missing or short.</exception>
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new OnnxModelException($"ONNX model '{path}' does not exist. Check the path.");
        }
        ModelProto model = Parse(File.ReadAllBytes(path), path);
        ReadExternalData(model, path);
        return model;
    }

    // Each external tensor names a file relative to the model's folder ("location"), and optionally "offset" and
    // "length" in bytes; the bytes become the tensor's raw data.
    static void ReadExternalData(ModelProto model, string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        foreach (TensorProto tensor in model.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0))
        {
            var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            string where = $"ONNX model '{path}': tensor '{tensor.Name}'";
            if (!entries.TryGetValue("location", out string? location) || location.Length == 0 || Path.IsPathRooted(location)
                || location.Split('/', '\\').Contains(".."))
                throw new OnnxModelException($"{where} has external data without a location inside the model's folder ('{location}'). Re-save it with onnx.save_model(..., save_as_external_data=True).");
            string file = Path.Combine(folder, location);
            if (!File.Exists(file))
                throw new OnnxModelException($"{where} keeps its values in '{file}', which does not exist: copy that file beside the model.");
            long offset = entries.TryGetValue("offset", out string? o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = entries.TryGetValue("length", out string? l) ? long.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : stream.Length - offset;
            if (offset < 0 || length < 0 || offset + length > stream.Length)
                throw new OnnxModelException($"{where} wants bytes {offset}..{offset + length} of '{file}', which has {stream.Length}: the file is damaged or from another model.");
            var bytes = new byte[length];
            stream.Position = offset;
            stream.ReadExactly(bytes);
            tensor.RawData = ByteString.CopyFrom(bytes);
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        }
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
