namespace NlpMtl.Core.Tokenization;

/// <summary>How <see cref="BertInputTokenizer"/> normalises and bounds its input.</summary>
public sealed class BertInputTokenizerOptions
{
    /// <summary>Lower-case and strip accents (HF <c>do_lower_case</c>, uncased models).</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Longest sequence, special tokens included (the model's <c>max_position_embeddings</c>).</summary>
    public int MaxLength { get; init; } = 512;
}
