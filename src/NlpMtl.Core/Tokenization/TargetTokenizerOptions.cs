namespace NlpMtl.Core.Tokenization;

/// <summary> How <see cref="TargetTokenizer.Build"/> trims a tiktoken vocabulary to the training targets. The defaults
/// are the ones measured best on Multi30k train.de: fewer tokens per line and fewer ids than cl100k_base
/// (docs/tokenization.md). </summary>
public sealed class TargetTokenizerOptions
{
    /// <summary>
    /// The Microsoft.ML.Tokenizers tiktoken encoding to trim. Only encodings whose data package is referenced can be
    /// created; NlpMtl.Core references o200k_base's.
    /// </summary>
    public string BaseEncoding { get; init; } = "o200k_base";

    /// <summary>
    /// Keep a base token only if the training targets use it at least this often: an output row seen once or twice
    /// is barely trained. Rarer tokens are spelt with shorter kept tokens or bytes, so text stays lossless.
    /// </summary>
    public int MinCount { get; init; } = 3;
}
