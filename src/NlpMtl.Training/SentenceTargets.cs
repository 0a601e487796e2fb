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
        var document = Split(tokenizer, text);
        var gains = document.Texts.Select(sentence => Rouge.MeanF1(sentence, references)).ToList();
        var best = gains.Count < 2 || gains.Max() <= 0 ? -1 : gains.IndexOf(gains.Max());
        return (document.Ids, new SentenceLabels(document.Spans, best));
    }

    /// <summary>The row [CLS] sentence … sentence [SEP], cut at the tokenizer's length, with each sentence read (its
    /// token span and its text; a sentence cut short keeps its whole text).</summary>
    public static DocumentSentences Split(BertInputTokenizer tokenizer, string text)
    {
        var ids = new List<int> { tokenizer.ClsId };
        var spans = new List<Range>();
        var texts = new List<string>();
        var (sentences, _) = tokenizer.EncodeSentences(text, tokenizer.Options.MaxLength - 2);
        foreach (var (span, sentenceIds) in sentences.Where(s => s.Ids.Length > 0))
        {
            spans.Add(new Range(ids.Count, ids.Count + sentenceIds.Length));
            ids.AddRange(sentenceIds);
            texts.Add(span.Of(text));
        }
        ids.Add(tokenizer.SepId);
        return new DocumentSentences([.. ids], [.. spans], [.. texts]);
    }
}

/// <summary>A source row of <see cref="SentenceTargets.Split"/>: its ids, each sentence's span in them, and each
/// sentence's text.</summary>
public sealed record DocumentSentences(int[] Ids, Range[] Spans, string[] Texts);
