namespace NlpMtl.Training;

/// <summary>A tokenized training example: encoder ids and either a class index or decoder target ids (BOS …
/// EOS).</summary>
public sealed record TaskExample(int[] SourceIds, int Label, int[]? TargetIds)
{
    public int Tokens => SourceIds.Length + (TargetIds?.Length ?? 0);

    /// <summary>The source's sentences and the one to rank first, when a sentence classifier trains on it.</summary>
    public SentenceLabels? Sentences { get; init; }

    /// <summary>Which window of which training text this is, when the text was too long for one (sentiment).</summary>
    public TextWindow? Window { get; init; }
}

/// <summary>Window <paramref name="Index"/> of the <paramref name="Count"/> that training text
/// <paramref name="Text"/> was cut into.</summary>
public sealed record TextWindow(int Text, int Index, int Count);

/// <summary>Each sentence's token span in <see cref="TaskExample.SourceIds"/>, in order, and the index of the one
/// closest to the references (−1: none, e.g. a single sentence or no word shared).</summary>
public sealed record SentenceLabels(Range[] Spans, int Best);
