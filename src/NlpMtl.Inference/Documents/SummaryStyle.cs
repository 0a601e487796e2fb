using NlpMtl.Core.Metrics;

namespace NlpMtl.Inference.Documents;

/// <summary>What a summarize line's <c>summary</c> holds.</summary>
public enum SummaryStyle
{
    /// <summary>
    /// The sentence the summarizer read that its generated summary is closest to, word for word as the document
    /// writes it (<see cref="ExtractiveSummary"/>): faithful by construction, and above the generated text in ROUGE on
    /// SciTLDR-A validation (docs/benchmarks.md, "Extractive or generated summaries").
    /// </summary>
    Extractive,

    /// <summary>The summarizer's generated text as it is.</summary>
    Abstractive,
}

/// <summary>
/// Turns the summarizer's generated text into one of the document's own sentences. The summarizer is trained on each
/// paper's TLDR and on its oracle sentence, so its output is mostly a shortened near-copy of one source sentence; the
/// sentence it copies from carries its choice, without the words the decoder dropped or merged.
/// </summary>
public static class ExtractiveSummary
{
    /// <summary>
    /// Index into <paramref name="candidates"/> of the one with the highest unigram F1 against
    /// <paramref name="generated"/> (ROUGE-1's tokens: lower-cased ASCII letters and digits), the earliest on a tie;
    /// null when no candidate shares a word with it, so an empty or unrelated generation is kept as it is.
    /// </summary>
    public static int? Closest(string generated, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(candidates);
        var generatedTokens = Rouge.Tokenize(generated);
        int? best = null;
        double bestScore = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var score = Rouge.Rouge1(Rouge.Tokenize(candidates[i]), generatedTokens);
            if (score > bestScore)
                (best, bestScore) = (i, score);
        }
        return best;
    }

    /// <summary>A sentence as one summary line: its runs of white space (line breaks included) become one
    /// space.</summary>
    public static string AsLine(string sentence) =>
        string.Join(' ', sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
