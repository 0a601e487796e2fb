namespace NlpMtl.Onnx;

/// <summary>How the encoder layers are spelled in encoder.onnx (all compute the same function; parity checks
/// each).</summary>
public enum EncoderOps
{
    /// <summary>Standard ONNX ops (opset 17); ORT's optimizer fuses what patterns it recognises.</summary>
    Standard,

    /// <summary>ORT's SkipLayerNormalization and BiasGelu/FastGelu; attention in standard ops.</summary>
    FusedNorms,

    /// <summary>FusedNorms plus ORT's Attention (packed QKV) for self-attention.</summary>
    FusedAttention,

    /// <summary>Standard ops on the real tokens only: padding removed around attention
    /// (<see cref="PaddingRemoval"/>).</summary>
    Packed,
}
