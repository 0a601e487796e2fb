using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// Mirrors HF <c>BertLayer</c> with <c>add_cross_attention</c> (BERT2BERT's decoder layer): causal self-attention,
/// cross-attention to the encoder, feed-forward. Self-attention and feed-forward names match <see cref="BertLayer"/>,
/// so an encoder layer's weights warm-start it; <c>crossattention</c> has no pretrained counterpart.
/// </summary>
public sealed class BertDecoderLayer : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertAttention crossattention;
    private readonly BertIntermediate intermediate;
    private readonly BertOutput output;

    public BertDecoderLayer(BertConfig config)
        : base(nameof(BertDecoderLayer))
    {
        attention = new BertAttention(config);
        crossattention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config);
        RegisterComponents();
    }

    /// <param name="hiddenStates">(B, t, H) decoder states.</param>
    /// <param name="encoderStates">(B, S, H).</param>
    /// <param name="encoderMask">(B, 1, 1, S) additive mask over encoder positions.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor encoderStates, Tensor encoderMask) =>
        Step(hiddenStates, encoderStates, encoderMask, null);

    /// <param name="cache">This layer's caches; null when training on whole target sequences (causal mask
    /// instead).</param>
    public Tensor Step(Tensor hiddenStates, Tensor encoderStates, Tensor encoderMask, LayerCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Attend(hiddenStates, hiddenStates, null, causal: true, cache?.Self);
        var crossed = crossattention.Attend(attended, encoderStates, encoderMask, causal: false, cache?.Cross);
        return output.call(intermediate.call(crossed), crossed).MoveToOuterDisposeScope();
    }

    /// <summary>The self-attention and cross-attention caches of one decoder layer.</summary>
    public sealed class LayerCache : IDisposable
    {
        public KeyValueCache Self { get; } = new(isCross: false);
        public KeyValueCache Cross { get; } = new(isCross: true);

        public void Dispose()
        {
            Self.Dispose();
            Cross.Dispose();
        }
    }
}
