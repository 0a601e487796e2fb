namespace NlpMtl.Core.Data;

/// <summary>
/// Names for a sentiment data set's labels (<c>{"0": "negative", "1": "positive"}</c> for SST-2 and IMDB). Training
/// data may write either the raw label or its name; the head, the bundle and every prediction carry the names.
/// </summary>
public static class LabelNames
{
    /// <summary>The name of <paramref name="label"/>: mapped when <paramref name="names"/> has it, else as
    /// written.</summary>
    public static string Name(IReadOnlyDictionary<string, string>? names, string label) =>
        names is not null && names.TryGetValue(label, out var name) ? name : label;

    /// <summary>
    /// The examples with named labels. With a map, a label that is neither a mapped raw label nor one of the names is
    /// an error naming the file and the label: a typo must not become a class of its own.
    /// </summary>
    public static IReadOnlyList<SentimentExample> Apply(
        IReadOnlyList<SentimentExample> examples,
        IReadOnlyDictionary<string, string>? names,
        string path
    )
    {
        if (names is null)
            return examples;
        var known = names.Values.ToHashSet(StringComparer.Ordinal);
        return examples
            .Select(e =>
                names.TryGetValue(e.Label, out var name) ? e with { Label = name }
                : known.Contains(e.Label) ? e
                : throw new InvalidDataException(
                    $"{path}: label '{e.Label}' has no name in label_names "
                        + $"({string.Join(", ", names.Select(p => $"{p.Key} = {p.Value}"))})"
                )
            )
            .ToList();
    }

    /// <summary>The head's labels in a stable order: the raw labels' order (<see cref="LabelSet"/>), named.</summary>
    public static string[] Ordered(
        IReadOnlyList<SentimentExample> rawExamples,
        IReadOnlyDictionary<string, string>? names
    ) => [.. LabelSet.Labels(rawExamples).Select(label => Name(names, label)).Distinct(StringComparer.Ordinal)];
}
