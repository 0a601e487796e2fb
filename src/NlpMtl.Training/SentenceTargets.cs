using NlpMtl.Core.Metrics;
using NlpMtl.Core.Text;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Training;

/// <summary>
/// A document's source for a sentence classifier: read as serving reads it (<c>DocumentPlanner</c>: segmented by
/// <see cref="SentenceSegmenter"/>, tokenised sentence by sentence) up to the tokenizer's length, each sentence's span
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
        var budget = tokenizer.Options.MaxLength - 2;
        var ids = new List<int> { tokenizer.ClsId };
        var spans = new List<Range>();
        var gains = new List<double>();
        foreach (var span in SentenceSegmenter.Split(text))
        {
            var left = budget - (ids.Count - 1);
            if (left <= 0)
                break;
            var sentence = span.Of(text);
            var sentenceIds = tokenizer.EncodeUntruncated(sentence);
            if (sentenceIds.Count == 0)
                continue;
            var take = Math.Min(sentenceIds.Count, left);
            spans.Add(new Range(ids.Count, ids.Count + take));
            ids.AddRange(sentenceIds.Take(take));
            gains.Add(Rouge.MeanF1(sentence, references));
        }
        ids.Add(tokenizer.SepId);
        var best = gains.Count < 2 || gains.Max() <= 0 ? -1 : gains.IndexOf(gains.Max());
        return ([.. ids], new SentenceLabels([.. spans], best));
    }
}
