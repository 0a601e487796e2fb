namespace NlpMtl.Core.Bundle;

/// <summary>
/// File, input, output and axis names of the ONNX model bundle: the exporter writes them and the inference engine
/// reads them, so they live in one place that both reference.
/// </summary>
public static class BundleNames
{
    public const string EncoderFile = "encoder.onnx";

    /// <summary>Symbolic axis names; ORT accepts any size along them.</summary>
    public const string BatchAxis = "batch";
    public const string SequenceAxis = "sequence";

    // Encoder inputs, int64 (batch, sequence): the names HF's BERT ONNX exports use.
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>float (batch, sequence, hidden).</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>float (batch, labels); present only when the model has a sentiment head.</summary>
    public const string SentimentLogits = "sentiment_logits";
}
