using NlpMtl.Core.Data;
using NlpMtl.Core.Text;

namespace NlpMtl.Core.Metrics;

/// <summary>
/// How often an extractive summary is the sentence the data marks as closest to the reference (SciTLDR's
/// <c>source_labels</c>): a measure of the summarizer's choice of sentence, apart from ROUGE.
/// </summary>
public static class OracleSentenceMatch
{
    /// <summary>Percent of the predictions with an <see cref="TaskPrediction.Extracted"/> sentence (and an oracle in
    /// their example) whose sentence is one of the oracle sentences; null when there are none. Sentences are the
    /// source's <see cref="SentenceSegmenter"/> sentences, as the engine reads them.</summary>
    public static double? Percent(IReadOnlyList<Seq2SeqExample> examples, IReadOnlyList<TaskPrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(predictions);
        MetricArguments.RequirePaired(examples, predictions, nameof(examples), nameof(predictions));
        var (hits, total) = (0, 0);
        for (var i = 0; i < examples.Count; i++)
        {
            if (examples[i].ExtractiveOracle is not { } oracle || predictions[i].Extracted is not { } extracted)
                continue;
            var source = examples[i].Source;
            var sentences = SentenceSegmenter.Split(source);
            if (extracted >= sentences.Count)
                continue;
            total++;
            var oracleSentences = SentenceSegmenter.Split(oracle).Select(s => s.Of(oracle));
            if (oracleSentences.Contains(sentences[extracted].Of(source), StringComparer.Ordinal))
                hits++;
        }
        return total == 0 ? null : 100.0 * hits / total;
    }
}
