namespace NlpMtl.Core.Data;

/// <summary>One labelled sentence for the sentiment head; labels stay strings ("0", "1", "positive").</summary>
public sealed record SentimentExample(string Text, string Label);

/// <summary>
/// One source text with its references (summarization, translation). <see cref="Targets"/> holds at least one
/// reference: training uses <c>Targets[0]</c>, evaluation scores against all of them (SciTLDR has several).
/// <see cref="ExtractiveOracle"/>: the source sentences the data marks as closest to the reference (SciTLDR's
/// <c>source_labels</c>), joined with one space; null when the data has no such labels or marks none.
/// </summary>
public sealed record Seq2SeqExample(string Source, IReadOnlyList<string> Targets, string? ExtractiveOracle = null);
