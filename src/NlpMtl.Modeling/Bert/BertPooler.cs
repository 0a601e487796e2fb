using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertPooler</c>: tanh(dense(hidden state of the first token)).</summary>
public sealed class BertPooler : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig config)
        : base(nameof(BertPooler))
    {
        dense = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    // (B, T, H) -> (B, H)
    public override Tensor forward(Tensor hiddenStates) => tanh(MixedPrecision.Apply(dense, hiddenStates.select(1, 0)));
}
