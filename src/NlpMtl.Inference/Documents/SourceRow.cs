namespace NlpMtl.Inference.Documents;

/// <summary>
/// One encoder row: <c>[CLS] … [SEP]</c> ids and what is read from it — the heads in <paramref name="Tasks"/>, a
/// sentence embedding when <paramref name="Embed"/> (summary selection), and the mean states of each token span in
/// <paramref name="Pools"/> (sentences read in their context). A document becomes many rows (its sentences, windows,
/// pieces); identical rows of one document are one row with the union of their uses.
/// </summary>
public sealed record SourceRow(
    int[] InputIds,
    IReadOnlyList<string> Tasks,
    bool Embed = false,
    IReadOnlyList<Range>? Pools = null
)
{
    public int Tokens => InputIds.Length;
}

/// <summary>What the engine read out of one <see cref="SourceRow"/>.</summary>
public sealed class RowOutput
{
    /// <summary>The sentiment head's logits, when the row asked for sentiment.</summary>
    public float[]? SentimentLogits { get; internal set; }

    /// <summary>Mean of the encoder's last hidden states over the row's tokens (sentence-transformers pooling), when
    /// asked.</summary>
    public float[]? Embedding { get; internal set; }

    /// <summary>Mean of the encoder's last hidden states over each span of <see cref="SourceRow.Pools"/>, in
    /// order.</summary>
    public IReadOnlyList<float[]>? Pooled { get; internal set; }

    /// <summary>Decoded output per generative task the row asked for.</summary>
    public Dictionary<string, string> Generated { get; } = new(StringComparer.Ordinal);
}

/// <summary>Rows compared by their ids, for merging the identical rows of one document.</summary>
sealed class RowIdsComparer : IEqualityComparer<int[]>
{
    public static readonly RowIdsComparer Instance = new();

    public bool Equals(int[]? x, int[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] ids)
    {
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()));
        return hash.ToHashCode();
    }
}

/// <summary>A document's sentences (with tokens) and one vector of the kind asked for per sentence
/// (<see cref="InferenceEngine.EmbedSentences"/>).</summary>
public sealed record EmbeddedSentences(IReadOnlyList<string> Sentences, IReadOnlyList<float[]> Vectors);
