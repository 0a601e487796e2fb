using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// The copy mechanism of a pointer-generator decoder (See et al. 2017): a single-head attention from each decoder
/// state over the encoder states picks source positions, and a gate p_gen decides, per output token, between the
/// decoder's vocabulary distribution and copying. The output distribution is
/// <c>p(w) = p_gen · softmax(logits)(w) + (1 − p_gen) · Σ_{i: source_i = w} a_i</c>. A summarizer trained on a few
/// thousand documents learns to copy long before it learns to write a paper's terms from its vocabulary.
/// </summary>
public sealed class PointerGenerator : Module
{
    /// <summary>Floor under the mixed probabilities before the log: a token neither generated nor copied.</summary>
    public const float MinProbability = 1e-10f;

    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear gate;
    private readonly double scale;

    public PointerGenerator(BertConfig config)
        : base(nameof(PointerGenerator))
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        gate = Linear(config.HiddenSize, 1);
        scale = 1 / Math.Sqrt(config.HiddenSize);
        RegisterComponents();
        BertInitializer.Apply(this, config.InitializerRange);
    }

    /// <summary>(B, S, H) encoder states → (B, S, H) copy keys; computed once per document while decoding.</summary>
    public Tensor Keys(Tensor encoderStates) => MixedPrecision.Apply(key, encoderStates);

    /// <summary>Log-probabilities (B, t, V) of the mixed distribution: what the decoder returns as its
    /// logits.</summary> <param name="decoderStates">(B, t, H) final decoder states.</param> <param name="logits">(B,
    /// t, V) the vocabulary logits.</param> <param name="copyKeys">(B, S, H) from <see cref="Keys"/>.</param>
    /// <param name="encoderMask">(B, 1, 1, S) additive mask over source positions.</param> <param name="sourceIds">(B,
    /// S) source token ids (in the output vocabulary).</param>
    public Tensor LogProbabilities(
        Tensor decoderStates,
        Tensor logits,
        Tensor copyKeys,
        Tensor encoderMask,
        Tensor sourceIds
    )
    {
        using var scope = NewDisposeScope();
        var (batch, steps) = (decoderStates.shape[0], decoderStates.shape[1]);
        var queries = MixedPrecision.Apply(query, decoderStates); // (B, t, H)
        var scores = queries.matmul(copyKeys.transpose(1, 2)).mul_(scale) + encoderMask.squeeze(1); // (B, t, S)
        var attention = scores.softmax(-1);
        var generate = MixedPrecision.Apply(gate, decoderStates).sigmoid(); // (B, t, 1)
        var copied = zeros_like(logits)
            .scatter_add(2, sourceIds.unsqueeze(1).expand(batch, steps, -1), attention * (1 - generate));
        var mixed = logits.softmax(-1) * generate + copied;
        return mixed.clamp_min(MinProbability).log().MoveToOuterDisposeScope();
    }
}
