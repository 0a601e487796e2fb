namespace NlpMtl.Core.Tokenization;

/// <summary>
/// A padded batch in the layout BERT-family models take: row-major (B, T) arrays of input ids, attention mask
/// (1 = token, 0 = padding) and token type ids, with T the longest row after truncation.
/// </summary>
public sealed record EncodedBatch(
    long[] InputIds,
    long[] AttentionMask,
    long[] TokenTypeIds,
    int BatchSize,
    int SequenceLength
)
{
    /// <summary>Tokens (special tokens included) of each row, before padding.</summary>
    public required int[] Lengths { get; init; }

    /// <summary>The ids of row <paramref name="row"/> without padding.</summary>
    public ReadOnlySpan<long> Row(int row) => InputIds.AsSpan(row * SequenceLength, Lengths[row]);
}
