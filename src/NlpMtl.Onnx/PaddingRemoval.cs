using static NlpMtl.Onnx.OnnxGraphBuilder;

namespace NlpMtl.Onnx;

/// <summary>
/// Padding removal inside the encoder graph (the "effective transformer" layout): the T real tokens of a (B, S) batch
/// travel as one (T, H) matrix through every position-wise part of a layer — embeddings, Q/K/V, output projection,
/// feed-forward, LayerNorms, which are nearly all the FLOPs — and are laid out as (B, S, ·) only for the attention
/// products, where rows must see their own sequence. A batch padded to its longest row therefore costs what its real
/// tokens cost in the GEMMs, not B × S. The graph computes the same function at every real position; padded positions
/// of <c>last_hidden_state</c> hold copies of a real token's state (finite, and masked by every reader).
/// </summary>
public sealed class PaddingRemoval
{
    readonly OnnxGraphBuilder builder;

    /// <summary>(T) int64: the flat (B·S) index of each real token, in row-major order.</summary>
    public string PackIndex { get; }

    /// <summary>(B, S) int64: for each position, the packed row holding it (a pad points at a nearby real
    /// token).</summary>
    public string UnpackIndex { get; }

    PaddingRemoval(OnnxGraphBuilder builder, string packIndex, string unpackIndex) =>
        (this.builder, PackIndex, UnpackIndex) = (builder, packIndex, unpackIndex);

    /// <param name="attentionMask">(B, S) int64 1/0.</param>
    /// <param name="positions">(S) int64 0‥S−1, the position ids.</param>
    public static PaddingRemoval FromMask(OnnxGraphBuilder builder, string attentionMask, string positions)
    {
        // Position 0 of every row is always packed ([CLS], real in every row the engine sends), so even a batch of
        // nothing but padding has rows to gather; what is computed at a padded position is never read.
        var first = builder.Node(
            "Cast",
            "packing.first",
            [builder.Node("Equal", "packing.is_first", [positions, builder.Int64Scalar(0)])],
            Attribute("to", (long)global::Onnx.TensorProto.Types.DataType.Int64)
        ); // (S)
        var packed = builder.Node("Max", "packing.packed", [attentionMask, first]); // (B, S)
        var flat = builder.Node("Reshape", "packing.mask_flat", [packed, builder.Int64s(-1)]); // (B·S)
        var real = builder.Node("NonZero", "packing.nonzero", [flat]); // (1, T)
        var pack = builder.Node("Reshape", "packing.pack_index", [real, builder.Int64s(-1)]); // (T)
        // The running count of packed tokens up to and including each position, minus one, is the packed row of a
        // packed token; a pad gets the row of the last packed token before it (position 0 is packed, so never −1).
        var seen = builder.Node("CumSum", "packing.cumsum", [flat, builder.Int64Scalar(0)]);
        var row = builder.Node("Sub", "packing.row", [seen, builder.Int64Scalar(1)]);
        var unpack = builder.Node(
            "Reshape",
            "packing.unpack_index",
            [row, builder.Node("Shape", "packing.mask_shape", [attentionMask])]
        ); // (B, S)
        return new(builder, pack, unpack);
    }

    /// <summary>(B, S, W) or (B, S) → (T, W) or (T): the real tokens only.</summary>
    public string Pack(string x, long? width, string stem)
    {
        var flat = builder.Node(
            "Reshape",
            $"{stem}.flat",
            [x, width is { } w ? builder.Int64s(-1, w) : builder.Int64s(-1)]
        );
        return builder.Node("Gather", $"{stem}.packed", [flat, PackIndex], Attribute("axis", 0L));
    }

    /// <summary>(T, W) → (B, S, W).</summary>
    public string Unpack(string packed, string stem) =>
        builder.Node("Gather", $"{stem}.unpacked", [packed, UnpackIndex], Attribute("axis", 0L));

    /// <summary>
    /// BertLayer over packed tokens: one (H, 3H) product for Q, K and V on the T real tokens, attention in the padded
    /// (B, nH, S, ·) layout with the additive mask, then the output projection and the feed-forward block packed again.
    /// </summary>
    public string EncoderLayer(BertGraph bert, string x, string additiveMask, string prefix)
    {
        var config = bert.Config;
        var self = $"{prefix}.attention.self";
        var qkv = Unpack(QkvProjection(bert, x, self), $"{self}.qkv"); // (B, S, 3H)
        var h = (long)config.HiddenSize;
        var parts = builder.Node("Split", $"{self}.split", [qkv, builder.Int64s(h, h, h)], 3, Attribute("axis", -1L));
        var context = bert.Attend(
            bert.SplitHeads(parts[0], $"{self}.q"),
            bert.SplitHeads(parts[1], $"{self}.k", keyLayout: true),
            bert.SplitHeads(parts[2], $"{self}.v"),
            additiveMask,
            self
        ); // (B, S, H)
        var attended = bert.DenseResidualNorm(Pack(context, h, $"{self}.context"), x, $"{prefix}.attention.output");
        return bert.FeedForward(attended, prefix);
    }

    /// <summary>x·[Wqᵀ | Wkᵀ | Wvᵀ] + [bq | bk | bv]: one larger GEMM instead of three.</summary>
    string QkvProjection(BertGraph bert, string x, string self)
    {
        var (weights, bias) = bert.PackedQkv(self);
        return builder.Node("Add", $"{self}.qkv", [builder.Node("MatMul", $"{self}.qkv.matmul", [x, weights]), bias]);
    }
}
