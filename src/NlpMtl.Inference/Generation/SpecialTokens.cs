namespace NlpMtl.Inference.Generation;

/// <summary>The decoder vocabulary's control ids: BOS starts every output, EOS ends it, PAD fills finished
/// rows.</summary>
public readonly record struct SpecialTokens(int Bos, int Eos, int Pad);
