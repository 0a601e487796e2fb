using NlpMtl.Core.Metrics;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Training;

/// <summary>
/// A document's source for a sentence classifier: read as serving reads it
/// (<see cref="BertInputTokenizer.EncodeSentences"/>) up to the tokenizer's length, each sentence's span
/// in the row, and the sentence with the highest mean ROUGE-1/2/L F1 against the references (what the bundle's sentence
/// ranker is fitted to find).
/// </summary>
public static class SentenceTargets
{
    public static (int[] Ids, SentenceLabels Sentences) Read(
        BertInputTokenizer tokenizer,
        string text,
        IReadOnlyList<string> references
    )
    {
        var ids = new List<int> { tokenizer.ClsId };
        var spans = new List<Range>();
        var gains = new List<double>();
        var (sentences, _) = tokenizer.EncodeSentences(text, tokenizer.Options.MaxLength - 2);
        foreach (var (span, sentenceIds) in sentences.Where(s => s.Ids.Length > 0))
        {
            spans.Add(new Range(ids.Count, ids.Count + sentenceIds.Length));
            ids.AddRange(sentenceIds);
            gains.Add(Rouge.MeanF1(span.Of(text), references));
        }
        ids.Add(tokenizer.SepId);
        var best = gains.Count < 2 || gains.Max() <= 0 ? -1 : gains.IndexOf(gains.Max());
        return ([.. ids], new SentenceLabels([.. spans], best));
    }
}
