using System.Text.Json;
using System.Text.Json.Serialization;
using SobolevRL.Runs;

namespace SobolevRL.Teachers;

/// <summary>What the policy output of an ONNX file is.</summary>
public enum PolicyOutputKind
{
    /// <summary>Unnormalised action preferences z; π = softmax(z/τ).</summary>
    Logits,
    /// <summary>Action values Q; π = softmax(Q/τ) (Boltzmann), greedy = argmax Q.</summary>
    QValues,
    /// <summary>Probabilities π; logits are log π.</summary>
    Probabilities,
    /// <summary>Log-probabilities log π; used as logits.</summary>
    LogProbabilities,
}

/// <summary>Memory layout of the network input.</summary>
public enum InputLayout
{
    /// <summary>Batch, channels, height, width (the environments' CHW layout, batched).</summary>
    Nchw,
    /// <summary>Batch, height, width, channels.</summary>
    Nhwc,
}

/// <summary>What the network input expects.</summary>
public sealed record ModelInput
{
    /// <summary>Name of the ONNX input (null: the only input).</summary>
    public string? Name { get; init; }
    /// <summary>Element type the network takes: <c>float32</c> or <c>uint8</c> (null: as the graph declares).</summary>
    public string? Dtype { get; init; }
    /// <summary>Layout of the network input.</summary>
    public InputLayout Layout { get; init; } = InputLayout.Nchw;
    /// <summary>Multiplier from environment values (0/1 grids, 0..255 frames) to the network's input range, e.g. 1/255.</summary>
    public double Scale { get; init; } = 1.0;
    /// <summary>Observation shape in the environment's CHW layout (stacked), e.g. [4, 10, 10].</summary>
    public long[] Shape { get; init; } = [];
}

/// <summary>One recurrent state tensor of a teacher: the graph input that takes it and the graph output that gives its next value.</summary>
public sealed record RecurrentStateCard
{
    /// <summary>Name of the graph input holding the state before the step, e.g. <c>h</c>.</summary>
    public string Input { get; init; } = "";
    /// <summary>Name of the graph output holding the state after the step, e.g. <c>h_out</c>.</summary>
    public string Output { get; init; } = "";
    /// <summary>Axis of the batch in the state tensor (null: the input's dimension named like the observation's batch, else its only symbolic one); 1 for <c>nn.LSTM</c>'s [layers, batch, hidden].</summary>
    public int? BatchAxis { get; init; }
}

/// <summary>
/// The recurrent state of a teacher (A3C-LSTM, R2D2-style agents): the pairs of graph inputs and outputs that carry it
/// from step to step. The state starts at zeros at the start of every episode.
/// </summary>
public sealed record RecurrentCard
{
    /// <summary>The state tensors, e.g. <c>h</c> → <c>h_out</c> and <c>c</c> → <c>c_out</c> of an LSTM.</summary>
    public IReadOnlyList<RecurrentStateCard> State { get; init; } = [];
}

/// <summary>How a teacher was trained, for the record.</summary>
public sealed record TrainingRecord
{
    /// <summary>Algorithm, e.g. <c>ppo</c>.</summary>
    public string Algorithm { get; init; } = "";
    /// <summary>The command that trained it.</summary>
    public string Command { get; init; } = "";
    /// <summary>Environment frames used.</summary>
    public long Frames { get; init; }
    /// <summary>Wall time in seconds.</summary>
    public double WallTimeSeconds { get; init; }
    /// <summary>Seed.</summary>
    public long Seed { get; init; }
}

/// <summary>An evaluation of the policy under a stated protocol.</summary>
public sealed record EvaluationRecord
{
    /// <summary>Environment id and options of the protocol.</summary>
    public string Protocol { get; init; } = "";
    /// <summary>Episodes played.</summary>
    public int Episodes { get; init; }
    /// <summary>Mean episode return.</summary>
    public double ReturnMean { get; init; }
    /// <summary>Standard deviation of the episode return.</summary>
    public double ReturnStd { get; init; }
    /// <summary>How actions were chosen (e.g. greedy).</summary>
    public string Acting { get; init; } = "greedy";
}

/// <summary>One game's output of a multi-game policy file (one graph, one output per game; see <see cref="ModelCard.Games"/>).</summary>
public sealed record GameOutputCard
{
    /// <summary>Game name, e.g. <c>breakout</c>; <c>FILE.onnx#breakout</c> selects this output.</summary>
    public string Game { get; init; } = "";
    /// <summary>Environment id of the game, e.g. <c>MinAtar/Breakout-v1</c>.</summary>
    public string Env { get; init; } = "";
    /// <summary>Name of the graph output holding the game's policy, e.g. <c>logits_breakout</c>.</summary>
    public string Output { get; init; } = "";
    /// <summary>Number of the game's actions.</summary>
    public int Actions { get; init; }
    /// <summary>Softmax temperature τ of the game's policy.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>
    /// With one head shared by every game over a full action set (MinAtar 6, ALE 18): the head output of each of the
    /// game's actions (the output is the Gather of these); null when the game's actions are the head's outputs.
    /// </summary>
    public IReadOnlyList<int>? HeadIndices { get; init; }
}

/// <summary>
/// The model card of a policy <c>.onnx</c> file, stored beside it as <c>&lt;file&gt;.card.json</c>: it declares what the
/// outputs mean and what the input expects, so nothing is guessed.
/// </summary>
public sealed record ModelCard
{
    /// <summary>Suffix of the card file next to the model: <c>policy.onnx</c> → <c>policy.onnx.card.json</c>.</summary>
    public const string FileSuffix = ".card.json";

    /// <summary>Environment id the policy acts in, e.g. <c>MinAtar/Breakout-v1</c>.</summary>
    public string Env { get; init; } = "";
    /// <summary>Architecture in words, e.g. <c>MinAtar CNN conv16 3x3, fc128</c>.</summary>
    public string Architecture { get; init; } = "";
    /// <summary>Name of the policy output (null: use <see cref="PolicyOutputIndex"/>).</summary>
    public string? PolicyOutput { get; init; }
    /// <summary>Index of the policy output among the graph outputs, when <see cref="PolicyOutput"/> is null.</summary>
    public int PolicyOutputIndex { get; init; }
    /// <summary>What the policy output is (null: inferred from the node computing it, see <see cref="TeacherSignature.InferKind"/>).</summary>
    public PolicyOutputKind? OutputKind { get; init; }
    /// <summary>Softmax temperature τ.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>Number of actions.</summary>
    public int Actions { get; init; }
    /// <summary>The input the network expects.</summary>
    public ModelInput Input { get; init; } = new();
    /// <summary>The recurrent state the graph carries from step to step (null: a feed-forward policy).</summary>
    public RecurrentCard? Recurrent { get; init; }
    /// <summary>How it was trained (optional).</summary>
    public TrainingRecord? Training { get; init; }
    /// <summary>How well it plays (optional).</summary>
    public EvaluationRecord? Evaluation { get; init; }
    /// <summary>Further evaluations under other acting modes or protocols (optional); <see cref="Evaluation"/> is the one to act by.</summary>
    public IReadOnlyList<EvaluationRecord>? OtherEvaluations { get; init; }
    /// <summary>
    /// A multi-game policy's outputs, one per game (null: a single-game policy). The card's own env, policy output,
    /// actions and temperature are the first game's; <see cref="ForGame"/> gives the card of another.
    /// </summary>
    public IReadOnlyList<GameOutputCard>? Games { get; init; }
    /// <summary>Remarks for people (optional), e.g. where the policy falls short of a published return and why.</summary>
    public string? Notes { get; init; }

    /// <summary>A card value as the card file spells it, e.g. <c>q_values</c>, <c>nhwc</c>.</summary>
    public static string Spelling<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Every value of a card enum as the card file spells them, e.g. <c>logits, q_values, probabilities, log_probabilities</c>.</summary>
    public static string Spellings<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Spelling));

    /// <summary>
    /// The card of game <paramref name="game"/>'s output of a multi-game policy (its env, output, actions and
    /// temperature); a card without games, or without that game, is refused naming <paramref name="file"/>.
    /// </summary>
    public ModelCard ForGame(string game, string file)
    {
        if (Games is not { Count: > 0 })
            throw new UserErrorException($"'{file}#{game}': the policy is not a multi-game policy (its card lists no games); leave out '#{game}'");
        var entry = Games.FirstOrDefault(g => string.Equals(g.Game, game, StringComparison.OrdinalIgnoreCase))
            ?? throw new UserErrorException($"'{file}#{game}': no game '{game}' in the policy; its games are {string.Join(", ", Games.Select(g => g.Game))}");
        return this with { Env = entry.Env, PolicyOutput = entry.Output, Actions = entry.Actions, Temperature = entry.Temperature };
    }

    /// <summary>
    /// Splits a policy path into its file and the game chosen with a <c>#GAME</c> suffix
    /// (<c>runs/mg/student.onnx#breakout</c>); a path naming an existing file as written has no game.
    /// </summary>
    public static (string File, string? Game) SplitGame(string path)
    {
        int hash = path.LastIndexOf('#');
        return File.Exists(path) || hash <= 0 || hash == path.Length - 1 ? (path, null) : (path[..hash], path[(hash + 1)..]);
    }

    /// <summary>
    /// The card in effect for a policy path (<c>FILE.onnx</c>, or <c>FILE.onnx#GAME</c>: that game's, see
    /// <see cref="ForGame"/>), read from the card file beside the model.
    /// </summary>
    public static ModelCard ReadPolicy(string path)
    {
        var (file, game) = SplitGame(path);
        var card = Read(PathFor(file));
        return game is null ? card : card.ForGame(game, file);
    }

    /// <summary>Path of one game's output of a multi-game policy file, as <see cref="SplitGame"/> reads it.</summary>
    public static string GamePath(string file, string game) => $"{file}#{game}";

    /// <summary>True when the policy path (with or without a <c>#GAME</c> suffix) names an existing file.</summary>
    public static bool PolicyExists(string path) => File.Exists(SplitGame(path).File);

    /// <summary>Path of the card for a model file.</summary>
    public static string PathFor(string modelPath) => modelPath + FileSuffix;

    /// <summary>Reads a card; throws <see cref="UserErrorException"/> naming the file when missing or malformed.</summary>
    public static ModelCard Read(string path)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"model card '{path}' not found; write one (see src/SobolevRL.Teachers/Teachers/README.md, section Model cards; `sobolevrl teacher card FILE.onnx` writes a template) or pass the output/input flags");
        try
        {
            return JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(path), CardJson) ?? throw new JsonException("empty card");
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"model card '{path}' is not valid: {Explain(e)} (see src/SobolevRL.Teachers/Teachers/README.md, section Model cards)");
        }
    }

    // The serializer's messages name .NET types (System.Nullable`1[SobolevRL.Teachers.PolicyOutputKind]); a card
    // writer needs the field and its valid values in the card's own spelling.
    static string Explain(JsonException e)
    {
        string field = e.Path is { Length: > 2 } p ? p[2..] : "";
        string? values = field switch
        {
            "output_kind" => Spellings<PolicyOutputKind>(),
            "input.layout" => Spellings<InputLayout>(),
            "input.dtype" => "float32, uint8",
            _ => null,
        };
        if (values is not null) return $"field {field} must be one of {values}";
        var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, "property '([^']*)' could not be mapped to any .NET member contained in type '([^']*)'");
        if (unknown.Success)
        {
            Type type = unknown.Groups[2].Value.EndsWith(nameof(ModelInput), StringComparison.Ordinal) ? typeof(ModelInput)
                : unknown.Groups[2].Value.EndsWith(nameof(TrainingRecord), StringComparison.Ordinal) ? typeof(TrainingRecord)
                : unknown.Groups[2].Value.EndsWith(nameof(EvaluationRecord), StringComparison.Ordinal) ? typeof(EvaluationRecord)
                : unknown.Groups[2].Value.EndsWith(nameof(RecurrentStateCard), StringComparison.Ordinal) ? typeof(RecurrentStateCard)
                : unknown.Groups[2].Value.EndsWith(nameof(RecurrentCard), StringComparison.Ordinal) ? typeof(RecurrentCard)
                : unknown.Groups[2].Value.EndsWith(nameof(GameOutputCard), StringComparison.Ordinal) ? typeof(GameOutputCard)
                : typeof(ModelCard);
            string fields = string.Join(", ", type.GetProperties().Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)));
            string where = field.Contains('.', StringComparison.Ordinal) ? $" in {field[..field.LastIndexOf('.')]}" : "";
            return $"unknown field '{unknown.Groups[1].Value}'{where}; the fields are {fields}";
        }
        string message = e.Message.Split(". Path:")[0];
        return field.Length > 0 ? $"field {field}: {message}" : message;
    }

    /// <summary>Writes the card as indented JSON.</summary>
    public void Write(string path) => RunDirectory.WriteAtomic(path, JsonSerializer.Serialize(this, CardJson));

    private static readonly JsonSerializerOptions CardJson = new(Json.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
