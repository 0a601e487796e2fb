using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// Mirrors HF <c>BertSelfAttention</c>: multi-head scaled dot-product attention. The encoder attends a sequence to
/// itself; decoders (BERT2BERT) reuse it for causal self-attention and, as HF's cross-attention does, with keys and
/// values from the encoder's hidden states. An optional <see cref="KeyValueCache"/> makes incremental decoding
/// compute each key/value once.
/// </summary>
public sealed class BertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;

    public BertSelfAttention(BertConfig config)
        : base(nameof(BertSelfAttention))
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        DropoutProbability = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <summary> Dropout on the attention probabilities while training (the config's
    /// <c>attention_probs_dropout_prob</c>). At 0 PyTorch runs its fused CPU attention kernel; above 0 the scores are
    /// materialised (as PyTorch's own fallback does) and the mask comes from <see cref="FastDropout"/>, not libtorch's
    /// much slower generator. </summary>
    public double DropoutProbability { get; set; }

    /// <param name="hiddenStates">(B, T, H).</param>
    /// <param name="additiveMask">(B, 1, 1, T): 0 where attended, a large negative number at padding.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor additiveMask) =>
        Attend(hiddenStates, hiddenStates, additiveMask, causal: false, cache: null);

    /// <param name="queryStates">(B, Tq, H): the states that ask.</param> <param name="keyValueStates">(B, Tk, H): the
    /// states attended to (ignored when a cross-attention cache is full).</param> <param name="additiveMask">(B, 1, 1,
    /// Tk) or null.</param> <param name="causal">Each query sees only keys at or before its position (decoder
    /// self-attention, no cache).</param> <param name="cache">Self-attention: past keys/values, extended here.
    /// Cross-attention: computed once, then reused.</param>
    public Tensor Attend(
        Tensor queryStates,
        Tensor keyValueStates,
        Tensor? additiveMask,
        bool causal,
        KeyValueCache? cache
    )
    {
        using var scope = NewDisposeScope();
        var q = SplitHeads(MixedPrecision.Apply(query, queryStates)); // (B, nH, Tq, Hd)
        Tensor k,
            v;
        if (cache is { IsCross: true, Keys: not null })
        {
            (k, v) = (cache.Keys, cache.Values!); // (B, nH, S, Hd), computed at the first step
        }
        else
        {
            k = SplitHeads(MixedPrecision.Apply(key, keyValueStates)); // (B, nH, Tk, Hd)
            v = SplitHeads(MixedPrecision.Apply(value, keyValueStates)); // (B, nH, Tk, Hd)
            if (cache is not null)
                (k, v) = cache.Append(k, v); // self: (B, nH, past + Tk, Hd)
        }
        // Without a cache PyTorch's is_causal masks the square score matrix. With a cache the Tq new queries sit at the
        // last positions of the Tk keys, so query i may see keys up to Tk − Tq + i: a single new token sees them all.
        var (queries, keys) = (q.shape[2], k.shape[2]);
        var isCausal = causal && cache is null && queries > 1;
        if (causal && cache is not null && queries > 1)
            additiveMask =
                ones(queries, keys, dtype: ScalarType.Bool, device: q.device).triu(keys - queries + 1).to(q.dtype)
                * float.MinValue; // (Tq, Tk)
        // Under autocast the two attention products run in the compute type; the softmax stays float32 (see below).
        var (lowQ, lowK, lowV) = (
            MixedPrecision.ForProduct(q),
            MixedPrecision.ForProduct(k),
            MixedPrecision.ForProduct(v)
        );
        var context =
            training && DropoutProbability > 0 && q.device_type == TorchSharp.DeviceType.CPU
                ? AttendWithDropout(lowQ, lowK, lowV, additiveMask, isCausal)
                : functional.scaled_dot_product_attention(
                    lowQ,
                    lowK,
                    lowV,
                    additiveMask is null ? null : MixedPrecision.ForProduct(additiveMask),
                    training ? DropoutProbability : 0.0,
                    isCausal
                );
        context = context.to(q.dtype);
        var (batch, length) = (context.shape[0], context.shape[2]);
        return context.transpose(1, 2).reshape(batch, length, -1).MoveToOuterDisposeScope(); // (B, Tq, H)
    }

    /// <summary>
    /// softmax(q·kᵀ/√d + mask)·v with dropout on the probabilities: scaled_dot_product_attention's math path. The
    /// scores, softmax and dropout are float32 whatever the type of q, k and v (autocast's rule for softmax).
    /// </summary>
    Tensor AttendWithDropout(Tensor q, Tensor k, Tensor v, Tensor? additiveMask, bool isCausal)
    {
        // (B, nH, Tq, Tk)
        var scores = q.matmul(k.transpose(2, 3)).to(ScalarType.Float32).mul_(1 / Math.Sqrt(q.shape[3]));
        if (additiveMask is not null)
            scores = scores + additiveMask;
        if (isCausal)
            scores = scores.masked_fill(
                ones(q.shape[2], k.shape[2], dtype: ScalarType.Bool, device: q.device).triu(1),
                float.NegativeInfinity
            );
        return FastDropout.Apply(scores.softmax(-1), DropoutProbability).to(v.dtype).matmul(v);
    }

    // (B, T, H) -> (B, nH, T, Hd)
    Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, -1).transpose(1, 2);
}
