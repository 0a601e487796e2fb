using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertSelfAttention</c>: multi-head scaled dot-product attention over one sequence.</summary>
public sealed class BertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly double dropoutProbability;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        dropoutProbability = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <param name="hiddenStates">(B, T, H).</param>
    /// <param name="additiveMask">(B, 1, 1, T): 0 where attended, a large negative number at padding.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var q = SplitHeads(query.call(hiddenStates)); // (B, nH, T, Hd)
        var k = SplitHeads(key.call(hiddenStates));   // (B, nH, T, Hd)
        var v = SplitHeads(value.call(hiddenStates)); // (B, nH, T, Hd)
        var context = functional.scaled_dot_product_attention(q, k, v, additiveMask, training ? dropoutProbability : 0.0);
        var (batch, _, length, headDim) = (context.shape[0], context.shape[1], context.shape[2], context.shape[3]);
        return context.transpose(1, 2).reshape(batch, length, heads * headDim).MoveToOuterDisposeScope(); // (B, T, H)
    }

    Tensor SplitHeads(Tensor x) =>
        x.view(x.shape[0], x.shape[1], heads, -1).transpose(1, 2); // (B, T, H) -> (B, nH, T, Hd)
}
