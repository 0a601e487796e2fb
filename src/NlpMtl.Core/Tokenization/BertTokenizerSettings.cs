namespace NlpMtl.Core.Tokenization;

/// <summary>
/// What a BERT-family tokenizer does, as HF tokenizers' <c>tokenizer.json</c> says it: the <c>BertNormalizer</c>'s
/// switches, the <c>WordPiece</c> model's parameters and the special tokens the post-processor adds. Defaults are HF's.
/// </summary>
public sealed record BertTokenizerSettings
{
    /// <summary>Remove control/format/private-use/unassigned characters and map whitespace to a space.</summary>
    public bool CleanText { get; init; } = true;

    /// <summary>Surround CJK ideographs with spaces, so each is a word of its own.</summary>
    public bool HandleChineseChars { get; init; } = true;

    /// <summary>Strip accents (NFD, then drop non-spacing marks); null follows <see cref="Lowercase"/>, as HF
    /// does.</summary>
    public bool? StripAccents { get; init; }

    public bool Lowercase { get; init; } = true;

    public string UnknownToken { get; init; } = "[UNK]";
    public string ContinuingSubwordPrefix { get; init; } = "##";

    /// <summary>A word of more characters (code points, as Rust counts them) than this becomes the unknown
    /// token.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    public string ClassificationToken { get; init; } = "[CLS]";
    public string SeparatorToken { get; init; } = "[SEP]";
    public string PaddingToken { get; init; } = "[PAD]";

    public bool StripsAccents => StripAccents ?? Lowercase;
}
