using NlpMtl.Modeling.Bert;
using static NlpMtl.Onnx.OnnxGraphBuilder;

namespace NlpMtl.Onnx;

/// <summary>
/// The step graph's rows are D documents × K beams, grouped by document (K = 1 for greedy search), while the cross
/// keys/values hold one row per document. Attention over the source therefore runs per document with the queries of
/// its K beams stacked: one (K·t × S) product per document and head instead of K matrix–vector products over K
/// copies of the same keys, which cut the cache's memory traffic K-fold (`scripts/ort-profile.sh` put cross-attention
/// at a quarter of a batched 4-beam step when every beam had its own copy). D is read from the cross keys, K = B / D.
/// </summary>
internal sealed class BeamGroups
{
    readonly OnnxGraphBuilder builder;
    readonly BertGraph bert;
    readonly BertConfig config;
    readonly string documents; // (1): D
    readonly string newTokens; // (1): t

    /// <param name="crossKeys">(D, nH, S, Hd): any layer's cross keys, for D.</param>
    /// <param name="inputIds">(B, t): the step's tokens, for t.</param>
    public BeamGroups(OnnxGraphBuilder builder, BertGraph bert, BertConfig config, string crossKeys, string inputIds)
    {
        this.builder = builder;
        this.bert = bert;
        this.config = config;
        documents = builder.Node(
            "Gather",
            "beams.documents",
            [builder.Node("Shape", "beams.cross_shape", [crossKeys]), builder.Int64s(0)],
            Attribute("axis", 0L)
        );
        newTokens = builder.Node(
            "Gather",
            "beams.new_tokens",
            [builder.Node("Shape", "beams.ids_shape", [inputIds]), builder.Int64s(1)],
            Attribute("axis", 0L)
        );
    }

    /// <summary>(B, …) → (D, …): the first beam's row of each document (all its beams share the value).</summary>
    public string FirstOfEachDocument(string perRow)
    {
        var grouped = builder.Node(
            "Reshape",
            "beams.group_rows",
            [perRow, Shape("beams.group_rows_shape", documents, builder.Int64s(-1), Rest(perRow))]
        );
        return builder.Node("Gather", "beams.first_beam", [grouped, builder.Int64Scalar(0)], Attribute("axis", 1L));
    }

    /// <summary>
    /// Scaled dot-product attention of the beams' queries q (B, nH, t, Hd) over their document's kᵀ (D, nH, Hd, S) and
    /// v (D, nH, S, Hd) with an additive mask (D, 1, 1, S) → (B, t, H), as <see cref="BertGraph.Attend"/> per row.
    /// </summary>
    public string Attend(string q, string keysT, string v, string documentMask, string stem)
    {
        int heads = config.NumAttentionHeads,
            headDim = config.HeadDim;
        // (B, nH, t, Hd) → (D, K, nH, t, Hd) → (D, nH, K, t, Hd) → (D, nH, K·t, Hd)
        var split = builder.Node(
            "Reshape",
            $"{stem}.beams",
            [q, Shape($"{stem}.beams_shape", documents, builder.Int64s(-1, heads), newTokens, builder.Int64s(headDim))]
        );
        var perHead = builder.Node(
            "Transpose",
            $"{stem}.beams_by_head",
            [split],
            Attribute("perm", new long[] { 0, 2, 1, 3, 4 })
        );
        var stacked = builder.Node(
            "Reshape",
            $"{stem}.stacked",
            [perHead, Shape($"{stem}.stacked_shape", documents, builder.Int64s(heads, -1, headDim))]
        );
        var context = bert.AttendPerHead(stacked, keysT, v, documentMask, stem); // (D, nH, K·t, Hd)

        // (D, nH, K·t, Hd) → (D, nH, K, t, Hd) → (D, K, t, nH, Hd) → (B, t, H)
        var unstacked = builder.Node(
            "Reshape",
            $"{stem}.unstacked",
            [
                context,
                Shape(
                    $"{stem}.unstacked_shape",
                    documents,
                    builder.Int64s(heads, -1),
                    newTokens,
                    builder.Int64s(headDim)
                ),
            ]
        );
        var merged = builder.Node(
            "Transpose",
            $"{stem}.merge",
            [unstacked],
            Attribute("perm", new long[] { 0, 2, 3, 1, 4 })
        );
        return builder.Node(
            "Reshape",
            $"{stem}.out",
            [merged, Shape($"{stem}.out_shape", builder.Int64s(-1), newTokens, builder.Int64s(config.HiddenSize))]
        );
    }

    /// <summary>x (B, t, H) · per-document y (D, H, N) → (B, t, N): the K beams' rows of a document stacked into one
    /// product.</summary>
    public string MatMulPerDocument(string x, string y, string stem)
    {
        var stacked = builder.Node(
            "Reshape",
            $"{stem}.stacked",
            [x, Shape($"{stem}.stacked_shape", documents, builder.Int64s(-1, config.HiddenSize))]
        ); // (D, K·t, H)
        var product = builder.Node("MatMul", stem, [stacked, y]); // (D, K·t, N)
        return builder.Node(
            "Reshape",
            $"{stem}.rows",
            [product, Shape($"{stem}.rows_shape", builder.Int64s(-1), newTokens, builder.Int64s(0))],
            Attribute("allowzero", 0L)
        );
    }

    string Shape(string stem, params string[] parts) => builder.Node("Concat", stem, parts, Attribute("axis", 0L));

    /// <summary>The shape of <paramref name="value"/> without its first axis.</summary>
    string Rest(string value) =>
        builder.Node(
            "Slice",
            $"{value}.rest_shape",
            [builder.Node("Shape", $"{value}.shape", [value]), builder.Int64s(1), builder.Int64s(long.MaxValue)]
        );
}
