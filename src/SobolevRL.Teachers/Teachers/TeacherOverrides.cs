namespace SobolevRL.Teachers;

/// <summary>Command-line values that replace fields of a teacher's model card (null: keep the card's value).</summary>
public sealed record TeacherOverrides
{
    /// <summary>No overrides.</summary>
    public static TeacherOverrides None { get; } = new();

    /// <summary>Policy output: a graph output name or its index (e.g. <c>logits</c> or <c>0</c>).</summary>
    public string? PolicyOutput { get; init; }

    /// <summary>What the policy output is.</summary>
    public PolicyOutputKind? OutputKind { get; init; }

    /// <summary>Softmax temperature τ.</summary>
    public double? Temperature { get; init; }

    /// <summary>Input layout.</summary>
    public InputLayout? InputLayout { get; init; }

    /// <summary>Input scale (e.g. 1/255 = 0.00392156862745098).</summary>
    public double? InputScale { get; init; }

    /// <summary>Recurrent state pairs (what <c>teacher card</c> proposes from the graph, <see cref="RecurrentStatePairs"/>).</summary>
    public RecurrentCard? Recurrent { get; init; }

    /// <summary>True when any value is set.</summary>
    public bool Any => PolicyOutput is not null || OutputKind is not null || Temperature is not null || InputLayout is not null || InputScale is not null
        || Recurrent is not null;

    /// <summary>The card with these values applied.</summary>
    public ModelCard ApplyTo(ModelCard card)
    {
        ModelCard result = card;
        if (PolicyOutput is { } output)
        {
            result = int.TryParse(output, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                ? result with { PolicyOutput = null, PolicyOutputIndex = index }
                : result with { PolicyOutput = output };
        }
        if (OutputKind is { } kind) result = result with { OutputKind = kind };
        if (Temperature is { } t) result = result with { Temperature = t };
        if (InputLayout is { } layout) result = result with { Input = result.Input with { Layout = layout } };
        if (InputScale is { } scale) result = result with { Input = result.Input with { Scale = scale } };
        if (Recurrent is { } recurrent) result = result with { Recurrent = recurrent };
        return result;
    }
}
