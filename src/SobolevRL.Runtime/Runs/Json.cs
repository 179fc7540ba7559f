using System.Text.Json;
using System.Text.Json.Serialization;

namespace SobolevRL.Runs;

/// <summary>
/// The JSON conventions of every file and <c>--json</c> output: snake_case names, indented. Files keep NaN and ±Infinity
/// as strings (they are read back exactly); <c>--json</c> output (<see cref="SerializeForOutput{T}"/>) writes them as
/// <c>null</c>, since scripts' JSON parsers reject or mistype them.
/// </summary>
public static class Json
{
    /// <summary>Shared serializer options of files (NaN and ±Infinity as strings).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The options of <c>--json</c> output: <see cref="Options"/> with every non-finite number written as <c>null</c>.</summary>
    public static readonly JsonSerializerOptions OutputOptions = new(Options)
    {
        Converters = { new NonFiniteAsNull<double>(), new NonFiniteAsNull<float>() },
    };

    /// <summary>Serialises with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Serialises for <c>--json</c> output with <see cref="OutputOptions"/>: no NaN or Infinity, null in their place.</summary>
    public static string SerializeForOutput<T>(T value) => JsonSerializer.Serialize(value, OutputOptions);

    // Writes NaN and ±Infinity (undefined statistics: the std of one episode, a percentage of a zero return) as null;
    // reads null and the named literals back as NaN / ±Infinity.
    sealed class NonFiniteAsNull<T> : JsonConverter<T> where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        public override bool HandleNull => true;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Null => T.NaN,
            JsonTokenType.String => T.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            _ => T.CreateChecked(reader.GetDouble()),
        };

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (!T.IsFinite(value)) writer.WriteNullValue();
            else if (typeof(T) == typeof(float)) writer.WriteNumberValue(float.CreateChecked(value));
            else writer.WriteNumberValue(double.CreateChecked(value));
        }
    }
}
