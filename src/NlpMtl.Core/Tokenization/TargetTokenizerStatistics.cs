namespace NlpMtl.Core.Tokenization;

/// <summary> How a <see cref="TargetTokenizer"/> fares on a corpus: sequence lengths the decoder will see, how often it
/// fell back below its kept tokens, and whether every line decodes to itself. <c>ByteTokens</c> counts ids below
/// <see cref="TargetTokenizer.FirstTokenId"/>: single-byte base tokens (punctuation, lone letters) as well as fallback
/// bytes. </summary>
public sealed record TargetTokenizerStatistics(
    int Lines,
    long Tokens,
    int LongestLine,
    long ByteTokens,
    int DistinctIds,
    int RoundTripFailures,
    int VocabSize
)
{
    public double TokensPerLine => Lines == 0 ? 0 : (double)Tokens / Lines;

    /// <summary>Encodes and decodes every line of <paramref name="texts"/>.</summary>
    public static TargetTokenizerStatistics Measure(TargetTokenizer tokenizer, IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        int lines = 0,
            longest = 0,
            failures = 0;
        long tokens = 0,
            byteTokens = 0;
        var distinct = new HashSet<int>();
        foreach (var text in texts)
        {
            var ids = tokenizer.Encode(text);
            lines++;
            tokens += ids.Count;
            longest = Math.Max(longest, ids.Count);
            foreach (var id in ids)
            {
                distinct.Add(id);
                if (id < TargetTokenizer.FirstTokenId)
                    byteTokens++;
            }
            if (tokenizer.Decode(ids) != text)
                failures++;
        }
        return new TargetTokenizerStatistics(
            lines,
            tokens,
            longest,
            byteTokens,
            distinct.Count,
            failures,
            tokenizer.VocabSize
        );
    }

    public override string ToString() =>
        $"lines {Lines}, tokens/line {TokensPerLine:F2}, longest {LongestLine}, byte tokens {ByteTokens}, "
        + $"distinct ids {DistinctIds}, vocab {VocabSize}, round-trip failures {RoundTripFailures}";
}
