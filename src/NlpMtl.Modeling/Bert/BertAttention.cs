using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertAttention</c>: (self- or cross-) attention followed by its output block.</summary>
public sealed class BertAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertSelfOutput output;

    public BertAttention(BertConfig config)
        : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertSelfOutput(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates, Tensor additiveMask) =>
        output.call(self.call(hiddenStates, additiveMask), hiddenStates);

    /// <summary>See <see cref="BertSelfAttention.Attend"/>; the residual is <paramref name="queryStates"/>.</summary>
    public Tensor Attend(
        Tensor queryStates,
        Tensor keyValueStates,
        Tensor? additiveMask,
        bool causal,
        KeyValueCache? cache
    ) => output.call(self.Attend(queryStates, keyValueStates, additiveMask, causal, cache), queryStates);
}
