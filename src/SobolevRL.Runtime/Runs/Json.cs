using System.Text.Json;
using System.Text.Json.Serialization;

namespace SobolevRL.Runs;

/// <summary>The JSON conventions of every file and <c>--json</c> output: snake_case names, indented, NaN as a string.</summary>
public static class Json
{
    /// <summary>Shared serializer options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Serialises with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
