using NlpMtl.Core.Metrics;

namespace NlpMtl.Inference.Documents;

/// <summary>What a summarize line's <c>summary</c> holds.</summary>
public enum SummaryStyle
{
    /// <summary>
    /// The sentence the summarizer read that its generated summary is closest to, word for word as the document
    /// writes it but for an opening connective (<see cref="ExtractiveSummary"/>, <see cref="SummaryOpening"/>):
    /// faithful by construction, and above the generated text in ROUGE on SciTLDR-A validation (docs/benchmarks.md,
    /// "Extractive or generated summaries").
    /// </summary>
    Extractive,

    /// <summary>The summarizer's generated text as it is.</summary>
    Abstractive,

    /// <summary>
    /// The sentence the bundle's learned ranker (<see cref="LearnedSalienceScorer"/>, <c>nlpmtl salience</c>) puts
    /// first among all the document's sentences, without running the summarizer: the fastest summary, and one that
    /// reads the whole document however long. Needs a bundle with a ranker.
    /// </summary>
    Ranked,
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
        var closeness = Closeness(generated, candidates);
        return closeness.Count == 0 || closeness.Max() == 0 ? null : SalienceFit.Best(closeness);
    }

    /// <summary>Each candidate's unigram F1 against <paramref name="generated"/>, which is tokenized once.</summary>
    static List<double> Closeness(string generated, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(candidates);
        var generatedTokens = Rouge.Tokenize(generated);
        return [.. candidates.Select(c => Rouge.Rouge1(Rouge.Tokenize(c), generatedTokens))];
    }

    /// <summary>
    /// With a learned ranker's scores of the candidates: the candidate with the highest closeness to
    /// <paramref name="generated"/> (as <see cref="Closest(string, IReadOnlyList{string})"/>) plus
    /// <see cref="RankerWeight"/> times its ranker probability (softmax over the candidates), the earliest on a tie;
    /// null only when there is no candidate. Without scores, <see cref="Closest(string, IReadOnlyList{string})"/>.
    /// </summary>
    public static int? Closest(string generated, IReadOnlyList<string> candidates, IReadOnlyList<double>? ranks)
    {
        if (ranks is null)
            return Closest(generated, candidates);
        if (ranks.Count != candidates.Count)
            throw new ArgumentException($"{ranks.Count} scores for {candidates.Count} candidates", nameof(ranks));
        if (candidates.Count == 0)
            return null;
        var probabilities = SalienceFit.Softmax(ranks);
        return SalienceFit.Best([
            .. Closeness(generated, candidates).Select((c, i) => c + RankerWeight * probabilities[i]),
        ]);
    }

    /// <summary>How much the ranker's probability counts beside the closeness (both 0–1): set to 1 before measuring,
    /// not tuned (docs/benchmarks.md, "A sentence ranker").</summary>
    public const double RankerWeight = 1;

    /// <summary>A sentence as one summary line: its runs of white space (line breaks included) become one
    /// space.</summary>
    public static string AsLine(string sentence) =>
        string.Join(' ', sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A sentence as the summary serving writes: one line (<see cref="AsLine"/>), without its opening
    /// connective when <paramref name="trimOpening"/> (<see cref="SummaryOpening"/>,
    /// <see cref="InferenceOptions.TrimSummaryOpening"/>).</summary>
    public static string AsSummary(string sentence, bool trimOpening)
    {
        var line = AsLine(sentence);
        return trimOpening ? SummaryOpening.Trim(line) : line;
    }
}
