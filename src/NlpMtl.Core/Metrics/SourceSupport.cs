namespace NlpMtl.Core.Metrics;

/// <summary>
/// How much of a summary its source supports, a cheap check of faithfulness: the share of the summary's words that
/// occur in the source, and the share of its bigrams that do not (novel bigrams: where an abstractive summary may state
/// what the source does not). Words as <see cref="Rouge.Tokenize"/> reads them (lower-cased ASCII letters and digits).
/// Scoring the references the same way says how abstractive the human summaries are, for comparison.
/// </summary>
public static class SourceSupport
{
    /// <returns>Over all summaries together, ×100: words found in their source; bigrams not found in it.</returns>
    public static (double WordsInSource, double NovelBigrams) Corpus(
        IReadOnlyList<string> summaries,
        IReadOnlyList<string> sources
    )
    {
        MetricArguments.RequirePaired(summaries, sources, nameof(summaries), nameof(sources));
        long words = 0,
            supported = 0,
            bigrams = 0,
            novel = 0;
        for (var i = 0; i < summaries.Count; i++)
        {
            var source = Rouge.Tokenize(sources[i]);
            var sourceWords = source.ToHashSet(StringComparer.Ordinal);
            var sourceBigrams = Bigrams(source).ToHashSet();
            var summary = Rouge.Tokenize(summaries[i]);
            words += summary.Count;
            supported += summary.Count(sourceWords.Contains);
            foreach (var bigram in Bigrams(summary))
            {
                bigrams++;
                if (!sourceBigrams.Contains(bigram))
                    novel++;
            }
        }
        return (words == 0 ? 0 : 100.0 * supported / words, bigrams == 0 ? 0 : 100.0 * novel / bigrams);
    }

    static IEnumerable<(string, string)> Bigrams(IReadOnlyList<string> words) =>
        Enumerable.Range(0, Math.Max(0, words.Count - 1)).Select(i => (words[i], words[i + 1]));
}
