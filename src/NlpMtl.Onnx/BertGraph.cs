using NlpMtl.Modeling.Bert;
using static NlpMtl.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace NlpMtl.Onnx;

/// <summary>
/// The BERT building blocks as ONNX subgraphs, each computing what the TorchSharp module of the same name computes in
/// eval mode (dropout is the identity). Weights are looked up by their HF state-dict names under a prefix, so the
/// encoder and the decoders (whose names differ only by prefix) share this code.
/// </summary>
public sealed class BertGraph(OnnxGraphBuilder builder, IReadOnlyDictionary<string, Tensor> state, BertConfig config)
{
    public OnnxGraphBuilder Builder => builder;
    public BertConfig Config => config;

    public Tensor Weight(string name) =>
        state.TryGetValue(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"state dict has no tensor '{name}'");

    /// <summary>nn.Linear: x·Wᵀ + b. TorchSharp stores W as [out, in]; MatMul wants [in, out], so it is transposed
    /// once, here.</summary>
    public string Linear(string x, string prefix)
    {
        var weight = TransposedWeight(prefix);
        var bias = builder.Initializer($"{prefix}.bias", Weight($"{prefix}.bias"));
        return builder.Node("Add", prefix, [builder.Node("MatMul", $"{prefix}.matmul", [x, weight]), bias]);
    }

    /// <summary>The initializer of <c>{prefix}.weight</c> as [in, out], the layout MatMul wants.</summary>
    public string TransposedWeight(string prefix)
    {
        using var scope = NewDisposeScope();
        return builder.Initializer($"{prefix}.weight", Weight($"{prefix}.weight").t());
    }

    /// <summary>Q, K and V as one product: the (H, 3H) initializer [Wqᵀ | Wkᵀ | Wvᵀ] and the (3H) bias [bq | bk |
    /// bv].</summary>
    public (string Weights, string Bias) PackedQkv(string self)
    {
        using var scope = NewDisposeScope();
        var weights = builder.Initializer(
            $"{self}.qkv.weight",
            cat(
                [
                    Weight($"{self}.query.weight").t(),
                    Weight($"{self}.key.weight").t(),
                    Weight($"{self}.value.weight").t(),
                ],
                1
            )
        );
        var bias = builder.Initializer(
            $"{self}.qkv.bias",
            cat([Weight($"{self}.query.bias"), Weight($"{self}.key.bias"), Weight($"{self}.value.bias")], 0)
        );
        return (weights, bias);
    }

    /// <summary>nn.LayerNorm over the last axis: opset 17's fused LayerNormalization.</summary>
    public string LayerNorm(string x, string prefix) =>
        builder.Node(
            "LayerNormalization",
            prefix,
            [
                x,
                builder.Initializer($"{prefix}.weight", Weight($"{prefix}.weight")),
                builder.Initializer($"{prefix}.bias", Weight($"{prefix}.bias")),
            ],
            Attribute("axis", -1L),
            Attribute("epsilon", (float)config.LayerNormEps)
        );

    /// <summary>BertIntermediate's activation: exact erf GELU ("gelu"), the tanh approximation ("gelu_new"), or
    /// ReLU.</summary>
    public string Activation(string x, string stem)
    {
        switch (config.HiddenAct)
        {
            // 0.5·x·(1 + erf(x/√2)); Div by √2 (not Mul by 1/√2) is the form ORT's optimizer fuses into BiasGelu
            case "gelu":
                var erf = builder.Node(
                    "Erf",
                    $"{stem}.erf",
                    [builder.Node("Div", $"{stem}.scaled", [x, builder.Scalar(1.41421356237309505f)])]
                );
                return Gelu(x, erf, stem);
            case "gelu_new": // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                var cube = builder.Node("Mul", $"{stem}.cube", [builder.Node("Mul", $"{stem}.square", [x, x]), x]);
                var inner = builder.Node(
                    "Add",
                    $"{stem}.inner",
                    [x, builder.Node("Mul", $"{stem}.cubic", [cube, builder.Scalar(0.044715f)])]
                );
                var tanh = builder.Node(
                    "Tanh",
                    $"{stem}.tanh",
                    [builder.Node("Mul", $"{stem}.scaled", [inner, builder.Scalar(0.7978845608028654f)])]
                );
                return Gelu(x, tanh, stem);
            case "relu":
                return builder.Node("Relu", stem, [x]);
            default:
                throw new NotSupportedException($"hidden_act '{config.HiddenAct}' has no ONNX export");
        }
    }

    string Gelu(string x, string curve, string stem)
    {
        var onePlus = builder.Node("Add", $"{stem}.one_plus", [curve, builder.Scalar(1f)]);
        return builder.Node("Mul", stem, [builder.Node("Mul", $"{stem}.half", [x, builder.Scalar(0.5f)]), onePlus]);
    }

    /// <summary>BertModel.AdditiveMask: (B, T) int64 1/0 → (B, 1, 1, T) float (1 − mask) × float.MinValue.</summary>
    public string AdditiveMask(string attentionMask)
    {
        var keep = builder.Node(
            "Cast",
            "mask.float",
            [attentionMask],
            Attribute("to", (long)global::Onnx.TensorProto.Types.DataType.Float)
        );
        var dropped = builder.Node("Sub", "mask.inverted", [builder.Scalar(1f), keep]);
        var additive = builder.Node("Mul", "mask.additive_2d", [dropped, builder.Scalar(float.MinValue)]);
        return builder.Node("Unsqueeze", "mask.additive", [additive, builder.Int64s(1, 2)]); // (B, 1, 1, T)
    }

    /// <summary>BertEmbeddings.Embed: word + token type + position embeddings (in that order), then
    /// LayerNorm.</summary> <param name="positionIds">(T) or (B, T) int64 positions.</param>
    public string Embeddings(string inputIds, string tokenTypeIds, string positionIds, string prefix)
    {
        var words = builder.Node(
            "Gather",
            $"{prefix}.words",
            [
                builder.Initializer($"{prefix}.word_embeddings.weight", Weight($"{prefix}.word_embeddings.weight")),
                inputIds,
            ]
        );
        var types = builder.Node(
            "Gather",
            $"{prefix}.types",
            [
                builder.Initializer(
                    $"{prefix}.token_type_embeddings.weight",
                    Weight($"{prefix}.token_type_embeddings.weight")
                ),
                tokenTypeIds,
            ]
        );
        var positions = builder.Node(
            "Gather",
            $"{prefix}.positions",
            [
                builder.Initializer(
                    $"{prefix}.position_embeddings.weight",
                    Weight($"{prefix}.position_embeddings.weight")
                ),
                positionIds,
            ]
        );
        var sum = builder.Node(
            "Add",
            $"{prefix}.sum",
            [builder.Node("Add", $"{prefix}.words_types", [words, types]), positions]
        ); // (B, T, H)
        return LayerNorm(sum, $"{prefix}.LayerNorm");
    }

    /// <summary>(B, T, H) → (B, nH, T, Hd); with <paramref name="keyLayout"/>, (B, nH, Hd, T) ready for q·kᵀ.</summary>
    public string SplitHeads(string x, string stem, bool keyLayout = false)
    {
        var split = builder.Node(
            "Reshape",
            $"{stem}.split",
            [x, builder.Int64s(0, 0, config.NumAttentionHeads, config.HeadDim)]
        ); // (B, T, nH, Hd)
        return builder.Node(
            "Transpose",
            $"{stem}.heads",
            [split],
            Attribute("perm", keyLayout ? [0L, 2, 3, 1] : [0L, 2, 1, 3])
        );
    }

    /// <summary>Scaled dot-product attention; q (B, nH, Tq, Hd), kᵀ (B, nH, Hd, Tk), v (B, nH, Tk, Hd) → (B, Tq,
    /// H).</summary> <param name="additiveMask">Broadcastable to (B, nH, Tq, Tk), or null.</param>
    public string Attend(string q, string keysT, string v, string? additiveMask, string stem)
    {
        var context = AttendPerHead(q, keysT, v, additiveMask, stem); // (B, nH, Tq, Hd)
        var merged = builder.Node(
            "Transpose",
            $"{stem}.merge",
            [context],
            Attribute("perm", new long[] { 0, 2, 1, 3 })
        ); // (B, Tq, nH, Hd)
        return builder.Node("Reshape", $"{stem}.out", [merged, builder.Int64s(0, 0, config.HiddenSize)]); // (B, Tq, H)
    }

    /// <summary>softmax(q·kᵀ / √Hd + mask)·v per head, heads not merged: q (…, Tq, Hd), kᵀ (…, Hd, Tk), v (…, Tk, Hd) →
    /// (…, Tq, Hd).</summary>
    public string AttendPerHead(string q, string keysT, string v, string? additiveMask, string stem)
    {
        var scores = builder.Node(
            "Mul",
            $"{stem}.scores",
            [builder.Node("MatMul", $"{stem}.qk", [q, keysT]), builder.Scalar(1f / MathF.Sqrt(config.HeadDim))]
        );
        if (additiveMask is not null)
            scores = builder.Node("Add", $"{stem}.masked", [scores, additiveMask]);
        var probabilities = builder.Node("Softmax", $"{stem}.probs", [scores], Attribute("axis", -1L));
        return builder.Node("MatMul", $"{stem}.context", [probabilities, v]);
    }

    /// <summary>BertSelfOutput / BertOutput: LayerNorm(dense(x) + residual).</summary>
    public string DenseResidualNorm(string x, string residual, string prefix) =>
        LayerNorm(
            builder.Node("Add", $"{prefix}.residual", [Linear(x, $"{prefix}.dense"), residual]),
            $"{prefix}.LayerNorm"
        );

    /// <summary>The name ending of a layer's feed-forward activation, the input of its output projection: both graph
    /// builders name it so, and int8 export finds the projection by it (<c>--int8-exclude ffn-output</c>).</summary>
    public const string FeedForwardActivationSuffix = ".intermediate.act";

    /// <summary>BertIntermediate then BertOutput: the feed-forward block with its residual.</summary>
    public string FeedForward(string x, string prefix)
    {
        var expanded = Activation(Linear(x, $"{prefix}.intermediate.dense"), prefix + FeedForwardActivationSuffix);
        return DenseResidualNorm(expanded, x, $"{prefix}.output");
    }

    /// <summary>BertLayer: self-attention over the sequence (padding masked), then the feed-forward block.</summary>
    public string EncoderLayer(string x, string additiveMask, string prefix)
    {
        var attended = DenseResidualNorm(
            SelfAttention(x, additiveMask, $"{prefix}.attention.self"),
            x,
            $"{prefix}.attention.output"
        );
        return FeedForward(attended, prefix);
    }

    /// <summary>BertSelfAttention over one sequence: the (B, T, H) context before the output projection.</summary>
    public string SelfAttention(string x, string additiveMask, string self) =>
        Attend(
            SplitHeads(Linear(x, $"{self}.query"), $"{self}.q"),
            SplitHeads(Linear(x, $"{self}.key"), $"{self}.k", keyLayout: true),
            SplitHeads(Linear(x, $"{self}.value"), $"{self}.v"),
            additiveMask,
            self
        );
}
