using System.Text;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// The encoder's WordPiece vocabulary used by a decoder (BERT2BERT): [CLS] starts and [SEP] ends a target, as in
/// Rothe et al. Decoding joins <c>##</c> pieces and applies HF's <c>clean_up_tokenization</c> spacing rules, so users
/// never see WordPiece artefacts.
/// </summary>
public sealed class WordPieceDecoderVocabulary : IDecoderVocabulary
{
    private readonly BertInputTokenizer tokenizer;
    private readonly IReadOnlyList<string> tokens;

    public WordPieceDecoderVocabulary(BertInputTokenizer tokenizer)
    {
        this.tokenizer = tokenizer;
        tokens = tokenizer.Tokens;
    }

    public int VocabSize => tokens.Count;
    public int PadId => tokenizer.PadId;
    public int BosId => tokenizer.ClsId;
    public int EosId => tokenizer.SepId;

    public int[] EncodeTarget(string text, int maxLength)
    {
        var ids = tokenizer.Encode(text); // [CLS] … [SEP], truncated to the tokenizer's own maximum
        if (ids.Count <= maxLength)
            return [.. ids];
        return [.. ids.Take(maxLength - 1), EosId];
    }

    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if (id == PadId || id == BosId || id == EosId || id < 0 || id >= tokens.Count)
                continue;
            var token = tokens[id];
            if (token.StartsWith("##", StringComparison.Ordinal))
                text.Append(token, 2, token.Length - 2);
            else
                text.Append(text.Length == 0 ? "" : " ").Append(token);
        }
        return CleanUp(text.ToString());
    }

    /// <summary>HF's <c>clean_up_tokenization</c>: no space before punctuation and English contractions.</summary>
    public static string CleanUp(string text) =>
        text.Replace(" .", ".")
            .Replace(" ?", "?")
            .Replace(" !", "!")
            .Replace(" ,", ",")
            .Replace(" ' ", "'")
            .Replace(" n't", "n't")
            .Replace(" 'm", "'m")
            .Replace(" 's", "'s")
            .Replace(" 've", "'ve")
            .Replace(" 're", "'re");
}
