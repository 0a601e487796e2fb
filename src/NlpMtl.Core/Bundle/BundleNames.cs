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

    /// <summary>
    /// Documents in a decoder step graph's cross inputs: its <see cref="BatchAxis"/> rows are documents × beams,
    /// grouped by document, and each document's beams share its cross row.
    /// </summary>
    public const string DocumentAxis = "documents";
    public const string SequenceAxis = "sequence";

    // Encoder inputs, int64 (batch, sequence): the names HF's BERT ONNX exports use.
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>float (batch, sequence, hidden).</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>float (batch, labels); present only when the model has a sentiment head.</summary>
    public const string SentimentLogits = "sentiment_logits";

    // Decoder step graphs, one per generative task: new tokens in, logits and the grown self-attention cache out.
    public static string DecoderFile(string task) => $"decoder_{task}.onnx";

    /// <summary>
    /// Cross-attention graph, one per generative task: run once per document batch, it maps the encoder's
    /// last_hidden_state to every decoder layer's cross-attention keys and values, which each step graph then reads.
    /// </summary>
    public static string CrossFile(string task) => $"cross_{task}.onnx";

    /// <summary>The int8 dynamically quantized variant of a graph file (<c>encoder.onnx</c> →
    /// <c>encoder.int8.onnx</c>).</summary>
    public static string Int8File(string file) => Path.ChangeExtension(file, ".int8.onnx");

    /// <summary>Axis names of the decoder graphs: new tokens, cached positions, both together, encoder
    /// positions.</summary>
    public const string DecoderSequenceAxis = "decoder_sequence";
    public const string PastSequenceAxis = "past_sequence";
    public const string TotalSequenceAxis = "total_sequence";
    public const string EncoderSequenceAxis = "encoder_sequence";

    /// <summary>int64 (batch, decoder_sequence): the tokens of this step (usually one per row).</summary>
    public const string DecoderInputIds = "input_ids";

    /// <summary>float (batch, encoder_sequence, hidden): the encoder's last_hidden_state.</summary>
    public const string EncoderHiddenStates = "encoder_hidden_states";

    /// <summary>int64 (batch, encoder_sequence): the encoder's attention_mask.</summary>
    public const string EncoderAttentionMask = "encoder_attention_mask";

    /// <summary>float (batch, decoder_sequence, vocabulary).</summary>
    public const string Logits = "logits";

    /// <summary>float (batch, heads, past_sequence, head_dim): layer <paramref name="layer"/>'s cached self-attention
    /// keys; empty (past 0) at the first step.</summary>
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    /// <summary>float (documents, heads, encoder_sequence, head_dim): layer <paramref name="layer"/>'s cross-attention
    /// keys (output of the cross graph, input of the step graph, one row per document whatever its beams).</summary>
    public static string CrossKey(int layer) => $"cross_key_values.{layer}.key";

    public static string CrossValue(int layer) => $"cross_key_values.{layer}.value";

    /// <summary>float (batch, heads, total_sequence, head_dim): the cache to pass as the next step's past.</summary>
    public static string PresentKey(int layer) => $"present.{layer}.key";

    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>A copying head's pointer-generator keys over the source (documents, S, H): a cross graph output, a step
    /// graph input.</summary>
    public const string CopyKeys = "copy_keys";

    /// <summary>A copying head's step-graph input: the encoder's input ids (B, S), the ids copying writes.</summary>
    public const string EncoderInputIds = "encoder_input_ids";
}
