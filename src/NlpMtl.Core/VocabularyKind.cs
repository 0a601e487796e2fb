using System.Text.Json.Serialization;

namespace NlpMtl.Core;

/// <summary>
/// The vocabulary a generative head reads and writes; in configs, <c>heads.json</c> and bundle manifests as
/// <c>"encoder"</c> or <c>"target"</c>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<VocabularyKind>))]
public enum VocabularyKind
{
    /// <summary>The encoder's WordPiece vocabulary: the decoder starts from the encoder's embeddings and can
    /// copy.</summary>
    [JsonStringEnumMemberName("encoder")]
    Encoder,

    /// <summary>A trimmed byte-level BPE built from the training targets (<c>target-tokenizer</c>).</summary>
    [JsonStringEnumMemberName("target")]
    Target,
}
