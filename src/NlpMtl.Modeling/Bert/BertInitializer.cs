using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// HF <c>BertPreTrainedModel._init_weights</c>: Linear and Embedding weights ~ N(0, initializer_range), biases zero,
/// LayerNorm one/zero, padding embedding zero. TorchSharp's defaults (Embedding ~ N(0, 1), Kaiming Linear) would make a
/// fresh decoder's tied output layer produce logits two orders of magnitude too large.
/// </summary>
public static class BertInitializer
{
    public static void Apply(Module module, double std, long? paddingIndex = null)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules().Prepend(("", module)))
        {
            switch (child)
            {
                case Linear linear:
                    init.normal_(linear.weight!, 0, std);
                    if (linear.bias is { } bias)
                        init.zeros_(bias);
                    break;
                case Embedding embedding:
                    init.normal_(embedding.weight!, 0, std);
                    break;
                case LayerNorm norm:
                    if (norm.weight is { } weight)
                        init.ones_(weight);
                    if (norm.bias is { } b)
                        init.zeros_(b);
                    break;
            }
        }
    }
}
