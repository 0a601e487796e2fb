namespace NlpMtl.Onnx.Parity;

/// <summary>The exported graphs do not reproduce the TorchSharp model within tolerance: export writes no
/// bundle.</summary>
public sealed class ParityException(string message) : Exception(message);
