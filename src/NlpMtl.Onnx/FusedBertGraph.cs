using static NlpMtl.Onnx.OnnxGraphBuilder;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx;

/// <summary>
/// The encoder layer spelled with ONNX Runtime's <c>com.microsoft</c> fused operators instead of standard ops:
/// <c>Attention</c> (packed QKV projection, scaled dot product, softmax and context in one kernel),
/// <c>SkipLayerNormalization</c> (bias + residual + LayerNorm) and <c>BiasGelu</c> / <c>FastGelu</c>. It computes
/// what <see cref="BertGraph.EncoderLayer"/> computes; masked keys get ORT's −10000 instead of float.MinValue, which
/// gives the same probabilities in fp32 (exp underflows to 0 either way).
/// </summary>
public static class FusedBertGraph
{
    public const string Domain = "com.microsoft";

    /// <summary>(B, T) int64 1/0 → (B, T) int32, the raw 2-D mask Attention takes as <c>mask_index</c>.</summary>
    public static string MaskIndex(OnnxGraphBuilder builder, string attentionMask) =>
        builder.Node("Cast", "mask.int32", [attentionMask], Attribute("to", (long)DataType.Int32));

    /// <param name="mask">The int32 mask from <see cref="MaskIndex"/> with <paramref name="attention"/>, else the
    /// additive mask.</param> <param name="attention">Fuse self-attention into one Attention node too; else it stays
    /// standard ops (ORT's CPU Attention kernel is not always the faster one: <c>nlpmtl-bench export</c> measures
    /// both).</param>
    public static string FusedEncoderLayer(
        this BertGraph bert,
        string x,
        string mask,
        string prefix,
        bool attention = true
    )
    {
        var builder = bert.Builder;
        var config = bert.Config;
        var self = $"{prefix}.attention.self";
        if (!attention)
            return FeedForward(
                bert,
                SkipLayerNorm(bert, bert.SelfAttention(x, mask, self), x, $"{prefix}.attention.output"),
                prefix
            );
        var (qkvWeights, qkvBias) = bert.PackedQkv(self); // Attention wants one (H, 3H) matrix and one (3H) bias
        var context = builder.Node(
            "Attention",
            self,
            [x, qkvWeights, qkvBias, mask],
            Domain,
            Attribute("num_heads", (long)config.NumAttentionHeads)
        ); // (B, T, H)
        return FeedForward(bert, SkipLayerNorm(bert, context, x, $"{prefix}.attention.output"), prefix);
    }

    static string FeedForward(BertGraph bert, string attended, string prefix)
    {
        var product = bert.Builder.Node(
            "MatMul",
            $"{prefix}.intermediate.dense.matmul",
            [attended, bert.TransposedWeight($"{prefix}.intermediate.dense")]
        );
        var activation = Activation(
            bert,
            product,
            $"{prefix}.intermediate",
            prefix + BertGraph.FeedForwardActivationSuffix
        );
        return SkipLayerNorm(bert, activation, attended, $"{prefix}.output");
    }

    /// <summary>BertSelfOutput / BertOutput: LayerNorm(x·Wᵀ + b + residual) as MatMul +
    /// SkipLayerNormalization.</summary>
    static string SkipLayerNorm(BertGraph bert, string x, string residual, string prefix)
    {
        var builder = bert.Builder;
        var product = builder.Node("MatMul", $"{prefix}.dense.matmul", [x, bert.TransposedWeight($"{prefix}.dense")]);
        return builder.Node(
            "SkipLayerNormalization",
            $"{prefix}.LayerNorm",
            [
                product,
                residual,
                builder.Initializer($"{prefix}.LayerNorm.weight", bert.Weight($"{prefix}.LayerNorm.weight")),
                builder.Initializer($"{prefix}.LayerNorm.bias", bert.Weight($"{prefix}.LayerNorm.bias")),
                builder.Initializer($"{prefix}.dense.bias", bert.Weight($"{prefix}.dense.bias")),
            ],
            Domain,
            Attribute("epsilon", (float)bert.Config.LayerNormEps)
        );
    }

    /// <summary>BiasGelu is erf GELU (HF "gelu"), FastGelu the tanh form ("gelu_new"); ReLU stays standard.</summary>
    /// <param name="prefix">The intermediate layer's weights (<c>….intermediate</c>).</param>
    /// <param name="name">The activation's output name.</param>
    static string Activation(BertGraph bert, string product, string prefix, string name)
    {
        var builder = bert.Builder;
        var bias = builder.Initializer($"{prefix}.dense.bias", bert.Weight($"{prefix}.dense.bias"));
        return bert.Config.HiddenAct switch
        {
            "gelu" => builder.Node("BiasGelu", name, [product, bias], Domain),
            "gelu_new" => builder.Node("FastGelu", name, [product, bias], Domain),
            "relu" => builder.Node("Relu", name, [builder.Node("Add", $"{prefix}.dense", [product, bias])]),
            _ => throw new NotSupportedException($"hidden_act '{bert.Config.HiddenAct}' has no ONNX export"),
        };
    }
}
