using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertIntermediate</c>: the feed-forward expansion and its activation.</summary>
public sealed class BertIntermediate : Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly string activation;

    public BertIntermediate(BertConfig config)
        : base(nameof(BertIntermediate))
    {
        dense = Linear(config.HiddenSize, config.IntermediateSize);
        activation = config.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        var x = MixedPrecision.Apply(dense, hiddenStates);
        return activation switch
        {
            "gelu" => functional.gelu(x), // exact erf form, as HF's "gelu"
            "gelu_new" => functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => functional.relu(x),
        };
    }
}
