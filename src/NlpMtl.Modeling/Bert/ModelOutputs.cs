using static TorchSharp.torch;

namespace NlpMtl.Modeling.Bert;

/// <summary>HF <c>BaseModelOutputWithPooling</c>: (B, T, H) hidden states and the (B, H) pooled [CLS] output.</summary>
public sealed record BaseModelOutput(Tensor LastHiddenState, Tensor PoolerOutput);
