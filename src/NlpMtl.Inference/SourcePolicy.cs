using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Inference;

/// <summary> How long a document's encoding may be, and how it is cut. The policy (documented in the README):
/// <list type="bullet">
/// <item>every task truncates, keeping [CLS], the first tokens and a final [SEP], as the trainer did;</item>
/// <item>sentiment's limit is <c>encoder.max_length</c>, summarize's and translate's their head's
/// <c>max_source_length</c>, all capped by the position embeddings (<c>encoder.max_positions</c>);</item>
/// <item>a document is encoded once, to the largest limit among the tasks requested for it, and every head reads that
/// encoding; so sentiment alone reads the first 128 tokens, sentiment with summarize the first 256;</item>
/// <item>summarize truncates rather than chunks: the head learnt TL;DRs of one truncated source, and a summary per
/// chunk would be several summaries glued together, not one.</item>
/// </list>
/// Never throws on content: empty text encodes as [CLS] [SEP], and huge texts are tokenised only as far as needed.
/// </summary> <param name="summarySourceTokens"><see cref="InferenceOptions.SummarySourceTokens"/>: a lower cap on
/// summarize's limit.</param>
/// <param name="translationPieceTokens"><see cref="InferenceOptions.TranslationPieceTokens"/>: a lower cap on
/// translate's limit, so longer sentences are translated in pieces.</param>
public sealed class SourcePolicy(
    BundleManifest manifest,
    BertInputTokenizer tokenizer,
    int? summarySourceTokens = null,
    int? translationPieceTokens = null
)
{
    /// <summary>Characters per token assumed when tokenising only a prefix of a huge text; WordPiece averages about
    /// 4–5.</summary>
    internal const int PrefixCharsPerToken = 16;

    public int Limit(string task)
    {
        var limit = task switch
        {
            TaskNames.Sentiment => manifest.Encoder.MaxLength,
            _ => manifest.Decoder(task)?.MaxSourceLength
                ?? throw new ArgumentException($"unknown task '{task}'", nameof(task)),
        };
        var cap = task switch
        {
            TaskNames.Summarize => summarySourceTokens,
            TaskNames.Translate => translationPieceTokens,
            _ => null,
        };
        if (cap is { } most)
            limit = Math.Min(limit, most);
        return Math.Clamp(limit, 2, manifest.Encoder.MaxPositions);
    }

    public EncodedDocument Encode(DocumentRequest request)
    {
        var limit = request.Tasks.Max(Limit);
        var text = request.Text;
        // Tokenising a 10 MB text to keep 256 tokens wastes seconds: cut at a space well past the limit first. Cutting
        // at whitespace leaves the leading tokens unchanged; if the prefix still falls short, the whole text is
        // tokenised.
        var cut = text.Length > limit * PrefixCharsPerToken ? LastSpaceBefore(text, limit * PrefixCharsPerToken) : -1;
        var ids = tokenizer.Encode(cut > 0 ? text[..cut] : text);
        if (cut > 0 && ids.Count < limit)
            (cut, ids) = (-1, tokenizer.Encode(text));
        int[] kept = ids.Count <= limit ? [.. ids] : [.. ids.Take(limit - 1), tokenizer.SepId];
        return new EncodedDocument(request, kept) { Truncated = cut > 0 || ids.Count > limit };
    }

    /// <summary>The last whitespace at or before <paramref name="index"/> (a cut there keeps the leading tokens), or
    /// -1.</summary>
    internal static int LastSpaceBefore(string text, int index)
    {
        for (var i = index; i > 0; i--)
            if (char.IsWhiteSpace(text[i]))
                return i;
        return -1;
    }
}
