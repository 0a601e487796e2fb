using NlpMtl.Core;
using NlpMtl.Core.Text;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Inference.Documents;

/// <summary> Turns a whole document into encoder rows for each requested head (the policy, documented in the README):
/// <list type="bullet">
/// <item>the text is split into sentences (<see cref="SentenceSegmenter"/>) and tokenised sentence by sentence, up to
/// <see cref="InferenceOptions.MaxDocumentTokens"/>: a document past the cap is cut there and flagged truncated;</item>
/// <item>translate: every sentence is a row, a sentence longer than the head's source length is cut into pieces
/// (<see cref="TokenPieces"/>) whose translations are joined;</item>
/// <item>sentiment: windows of the head's length overlapping by <see cref="InferenceOptions.SentimentWindowOverlap"/>
/// tokens, aggregated by <see cref="InferenceOptions.SentimentAggregation"/>;</item>
/// <item>summarize: the whole document when it fits the head's source length, else the most salient sentences that
/// fit (<see cref="ISalienceScorer"/>), in document order — or the first tokens under
/// <see cref="SummarySelection.Lead"/>.</item>
/// </list>
/// Never throws on content: empty text still gets every answer. </summary>
internal sealed class DocumentPlanner(
    BertInputTokenizer tokenizer,
    Func<string, int> limit,
    TokenPieces pieces,
    InferenceOptions options,
    ISalienceScorer salience,
    LearnedSalienceScorer? ranker,
    IReadOnlyList<string> sentimentLabels,
    int contextTokens,
    NumberConvention? numbers
)
{
    /// <summary>How numbers put back into a translation are written (null: as the source writes them).</summary>
    public NumberConvention? Numbers => numbers;

    /// <summary>The bundle's learned ranker, which extractive summaries weigh (<see cref="SummaryStyle"/>).</summary>
    public LearnedSalienceScorer? Ranker => ranker;

    public InferenceOptions Options => options;
    public ISalienceScorer Salience => salience;
    public IReadOnlyList<string> SentimentLabels => sentimentLabels;

    public int Limit(string task) => limit(task);

    public int[] Row(IEnumerable<int> content) => [tokenizer.ClsId, .. content, tokenizer.SepId];

    public DocumentPlan Plan(DocumentRequest request)
    {
        var (text, sentences, truncated) = Read(request.Text);
        return new DocumentPlan(this, request, text, sentences, truncated);
    }

    /// <summary>The document's sentences and their ids up to the cap: the text kept (cut when a prefix alone passes
    /// the cap) and whether anything was left out.</summary>
    public (string Text, List<Sentence> Sentences, bool Truncated) Read(string text)
    {
        var cap = options.MaxDocumentTokens;
        // Tokenising megabytes to keep the cap's worth wastes seconds: cut at a space well past it first (flagged).
        var truncated = false;
        var prefix = (long)cap * SourcePolicy.PrefixCharsPerToken;
        if (text.Length > prefix)
        {
            var cut = SourcePolicy.LastSpaceBefore(text, (int)prefix);
            text = text[..(cut > 0 ? cut : (int)prefix)];
            truncated = true;
        }
        var (read, capped) = tokenizer.EncodeSentences(text, cap);
        return (text, [.. read.Select(s => new Sentence(s.Span, s.Ids))], truncated || capped);
    }

    /// <summary>The row whose mean-pooled states embed a sentence for salience: the sentence alone, as much of it as
    /// the encoder reads at a time (its trained length).</summary>
    public int[] EmbeddingRow(Sentence sentence) => Row(sentence.Ids.Take(Limit(TaskNames.Sentiment) - 2));

    /// <summary>
    /// The sentences read in their context: consecutive sentences packed into rows of up to the encoder's position
    /// limit, each sentence's span in its row (a sentence longer than a row on its own is cut to one). Every sentence
    /// is in exactly one row, in order. The windows depend only on the encoder, not on the heads' options, so a ranker
    /// fitted on them sees at serving what it saw when fitted.
    /// </summary>
    public List<ContextWindow> ContextWindows(IReadOnlyList<Sentence> sentences)
    {
        var budget = contextTokens - 2;
        var windows = new List<ContextWindow>();
        var (ids, spans) = (new List<int>(), new List<Range>());
        foreach (var sentence in sentences)
        {
            var take = Math.Min(sentence.Ids.Length, budget);
            if (ids.Count + take > budget && spans.Count > 0)
            {
                windows.Add(new ContextWindow(Row(ids), [.. spans]));
                (ids, spans) = ([], []);
            }
            spans.Add(new Range(1 + ids.Count, 1 + ids.Count + take));
            ids.AddRange(sentence.Ids.Take(take));
        }
        if (spans.Count > 0)
            windows.Add(new ContextWindow(Row(ids), [.. spans]));
        return windows;
    }

    public List<Range> Pieces(IReadOnlyList<int> ids, int length) => pieces.Split(ids, length);
}

/// <summary>An encoder row of consecutive sentences and each one's token span in it.</summary>
internal sealed record ContextWindow(int[] Ids, Range[] Spans);

/// <summary>A sentence of a document: where it is in the (possibly cut) text, and its WordPiece ids (no
/// specials).</summary>
internal sealed record Sentence(SentenceSpan Span, int[] Ids);
