using NlpMtl.Onnx.Quantization;

namespace NlpMtl.Onnx;

/// <summary>Options of <see cref="BundleExporter"/> (<c>nlpmtl export</c>).</summary>
public sealed record BundleExportOptions
{
    /// <summary>Also write dynamically quantized int8 graphs beside the fp32 ones.</summary>
    public bool QuantizeInt8 { get; init; }

    /// <summary>MatMuls the int8 graphs leave in fp32 (<see cref="Int8Exclusion"/>).</summary>
    public Int8Exclusion Int8Exclude { get; init; } = Int8Exclusion.None;

    /// <summary>Sentiment data (SST-2 TSV or JSONL) on which int8 accuracy is compared with fp32.</summary>
    public string? ValidationSentiment { get; init; }

    /// <summary>Translation data (JSONL, or a plain-text source with <see cref="ValidationTranslateTarget"/>) for int8
    /// BLEU.</summary>
    public string? ValidationTranslate { get; init; }
    public string? ValidationTranslateTarget { get; init; }

    /// <summary>Validation examples used at most (quantization metrics), to keep export quick.</summary>
    public int MaxValidationExamples { get; init; } = 500;

    /// <summary>Max |Δ| allowed between ORT and TorchSharp (hidden states, logits).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Fraction of parity inputs whose greedy generation must be token-identical.</summary>
    public double MinGreedyIdentical { get; init; } = 0.95;

    /// <summary>How encoder.onnx spells its layers (int8 variants are always quantized from the standard graph, whose
    /// MatMuls they replace).</summary>
    public EncoderOps EncoderOps { get; init; } = BundleExporter.DefaultEncoderOps;

    /// <summary>Progress lines (the verb prints them); null for silence.</summary>
    public Action<string>? Log { get; init; }
}
