using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using Onnx;
using static NlpMtl.Onnx.OnnxGraphBuilder;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx;

/// <summary>
/// Writes one generative task's <see cref="BertDecoder"/> as two graphs:
/// <list type="bullet">
/// <item><c>cross_{task}.onnx</c>, run once per document batch: the encoder's <c>encoder_hidden_states</c> → every
/// layer's cross-attention keys and values (D, nH, S, Hd). They do not change while decoding, so computing them once
/// saves two (S×H)·(H×H) products per layer and step.</item>
/// <item><c>decoder_{task}.onnx</c>, the step graph: the new tokens, the encoder mask, each layer's cross keys/values
/// and past self-attention keys/values (past length 0 at the first step) → logits for the new tokens and each layer's
/// present keys/values (past + new), which the caller passes back as the next step's past. Its rows are D documents ×
/// K beams grouped by document; the cross inputs keep one row per document (<see cref="BeamGroups"/>).</item>
/// </list>
/// </summary>
public static class DecoderExporter
{
    public static ModelProto BuildCross(MultiTaskModel model, string task)
    {
        var config = model.DecoderConfig(model.Config.Decoder(task));
        var builder = new OnnxGraphBuilder($"nlpmtl_cross_{task}");
        var bert = new BertGraph(builder, model.state_dict(), config);
        var states = builder.Input(
            BundleNames.EncoderHiddenStates,
            DataType.Float,
            BundleNames.DocumentAxis,
            BundleNames.EncoderSequenceAxis,
            config.HiddenSize
        );
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var cross = $"heads.{task}.layer.{i}.crossattention.self";
            var keys = bert.SplitHeads(bert.Linear(states, $"{cross}.key"), $"{cross}.k"); // (D, nH, S, Hd)
            var values = bert.SplitHeads(bert.Linear(states, $"{cross}.value"), $"{cross}.v"); // (D, nH, S, Hd)
            builder.Output(BundleNames.CrossKey(i), keys, DataType.Float, CrossDims(config));
            builder.Output(BundleNames.CrossValue(i), values, DataType.Float, CrossDims(config));
        }
        if (model.Decoder(task).Copies)
            builder.Output(
                BundleNames.CopyKeys,
                bert.Linear(states, $"heads.{task}.copy.key"),
                DataType.Float,
                BundleNames.DocumentAxis,
                BundleNames.EncoderSequenceAxis,
                config.HiddenSize
            );
        return builder.Build(EncoderExporter.Producer);
    }

    public static ModelProto Build(MultiTaskModel model, string task)
    {
        var config = model.DecoderConfig(model.Config.Decoder(task));
        var builder = new OnnxGraphBuilder($"nlpmtl_decoder_{task}");
        var bert = new BertGraph(builder, model.state_dict(), config);
        var prefix = $"heads.{task}";

        var ids = builder.Input(
            BundleNames.DecoderInputIds,
            DataType.Int64,
            BundleNames.BatchAxis,
            BundleNames.DecoderSequenceAxis
        );
        var encoderMask = builder.Input(
            BundleNames.EncoderAttentionMask,
            DataType.Int64,
            BundleNames.BatchAxis,
            BundleNames.EncoderSequenceAxis
        );
        var past = Enumerable
            .Range(0, config.NumHiddenLayers)
            .Select(i =>
                (
                    Key: builder.Input(
                        BundleNames.PastKey(i),
                        DataType.Float,
                        CacheDims(config, BundleNames.PastSequenceAxis)
                    ),
                    Value: builder.Input(
                        BundleNames.PastValue(i),
                        DataType.Float,
                        CacheDims(config, BundleNames.PastSequenceAxis)
                    )
                )
            )
            .ToList();
        // One cross row per document, shared by its beams: the step's rows are documents × beams, grouped by document.
        var crossCache = Enumerable
            .Range(0, config.NumHiddenLayers)
            .Select(i =>
                (
                    Key: builder.Input(BundleNames.CrossKey(i), DataType.Float, CrossDims(config)),
                    Value: builder.Input(BundleNames.CrossValue(i), DataType.Float, CrossDims(config))
                )
            )
            .ToList();

        // Absolute positions of the new tokens continue after the cached ones: past‥past+t−1 (BertEmbeddings.Embed's
        // offset).
        var pastLength = builder.Node(
            "Gather",
            "past_length",
            [builder.Node("Shape", "past_shape", [past[0].Key]), builder.Int64Scalar(2)],
            Attribute("axis", 0L)
        );
        var newLength = builder.Node(
            "Gather",
            "new_length",
            [builder.Node("Shape", "input_shape", [ids]), builder.Int64Scalar(1)],
            Attribute("axis", 0L)
        );
        var totalLength = builder.Node("Add", "total_length", [pastLength, newLength]);
        // (t)
        var queryPositions = builder.Node("Range", "position_ids", [pastLength, totalLength, builder.Int64Scalar(1)]);
        var keyPositions = builder.Node(
            "Range",
            "key_positions",
            [builder.Int64Scalar(0), totalLength, builder.Int64Scalar(1)]
        ); // (past + t)

        // Causal mask (t, past + t): query at position p sees keys at positions ≤ p. With one new token it masks
        // nothing.
        var visible = builder.Node(
            "LessOrEqual",
            "causal.visible",
            [
                builder.Node("Unsqueeze", "causal.keys", [keyPositions, builder.Int64s(0)]),
                builder.Node("Unsqueeze", "causal.queries", [queryPositions, builder.Int64s(1)]),
            ]
        );
        var causalMask = builder.Node(
            "Where",
            "causal.mask",
            [visible, builder.Scalar(0f), builder.Scalar(float.MinValue)]
        );
        var crossMask = bert.AdditiveMask(encoderMask); // (B, 1, 1, S)
        var beams = new BeamGroups(builder, bert, config, crossCache[0].Key, ids);
        var documentMask = beams.FirstOfEachDocument(crossMask); // (D, 1, 1, S)

        // BertDecoder embeds token type 0
        var types = builder.Node("Mul", "token_type_ids", [ids, builder.Int64Scalar(0)]);
        var x = bert.Embeddings(ids, types, queryPositions, $"{prefix}.embeddings");
        var presents = new List<(string Key, string Value)>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var layer = $"{prefix}.layer.{i}";
            var self = $"{layer}.attention.self";
            var presentKey = builder.Node(
                "Concat",
                BundleNames.PresentKey(i),
                [past[i].Key, bert.SplitHeads(bert.Linear(x, $"{self}.key"), $"{self}.k")],
                Attribute("axis", 2L)
            );
            var presentValue = builder.Node(
                "Concat",
                BundleNames.PresentValue(i),
                [past[i].Value, bert.SplitHeads(bert.Linear(x, $"{self}.value"), $"{self}.v")],
                Attribute("axis", 2L)
            );
            var context = bert.Attend(
                bert.SplitHeads(bert.Linear(x, $"{self}.query"), $"{self}.q"),
                KeysT(builder, presentKey, self),
                presentValue,
                causalMask,
                self
            );
            var attended = bert.DenseResidualNorm(context, x, $"{layer}.attention.output");

            var cross = $"{layer}.crossattention.self";
            var crossQuery = bert.SplitHeads(bert.Linear(attended, $"{cross}.query"), $"{cross}.q");
            var crossContext = beams.Attend(
                crossQuery,
                KeysT(builder, crossCache[i].Key, cross),
                crossCache[i].Value,
                documentMask,
                cross
            );
            var crossed = bert.DenseResidualNorm(crossContext, attended, $"{layer}.crossattention.output");
            x = bert.FeedForward(crossed, layer);
            presents.Add((presentKey, presentValue));
        }

        // Output projection tied to the word embeddings: x · Wᵀ + b. The Transpose reads the (V, H) initializer the
        // embedding Gather reads (the first initializer of a stem gets the stem as its name); ORT folds the Transpose
        // into a constant at load, so the file holds the matrix once.
        var words = $"{prefix}.embeddings.word_embeddings.weight";
        var projection = builder.Node(
            "Transpose",
            $"{prefix}.output.projection",
            [words],
            Attribute("perm", new long[] { 1, 0 })
        ); // (H, V)
        var logits = builder.Node(
            "Add",
            $"{prefix}.logits",
            [
                builder.Node("MatMul", $"{prefix}.output.matmul", [x, projection]),
                builder.Initializer($"{prefix}.output_bias", bert.Weight($"{prefix}.output_bias")),
            ]
        );
        if (model.Decoder(task).Copies)
            logits = CopyLogProbabilities(builder, bert, beams, config, prefix, x, logits, crossMask);
        builder.Output(
            BundleNames.Logits,
            logits,
            DataType.Float,
            BundleNames.BatchAxis,
            BundleNames.DecoderSequenceAxis,
            config.VocabSize
        );
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            builder.Output(
                BundleNames.PresentKey(i),
                presents[i].Key,
                DataType.Float,
                CacheDims(config, BundleNames.TotalSequenceAxis)
            );
            builder.Output(
                BundleNames.PresentValue(i),
                presents[i].Value,
                DataType.Float,
                CacheDims(config, BundleNames.TotalSequenceAxis)
            );
        }
        return builder.Build(EncoderExporter.Producer);
    }

    /// <summary>
    /// <see cref="PointerGenerator.LogProbabilities"/>: p = p_gen · softmax(logits) + (1 − p_gen) · (attention over the
    /// source scattered onto the source ids), returned as log(max(p, floor)). Adds the inputs it needs.
    /// </summary>
    static string CopyLogProbabilities(
        OnnxGraphBuilder builder,
        BertGraph bert,
        BeamGroups beams,
        BertConfig config,
        string prefix,
        string x,
        string logits,
        string crossMask
    )
    {
        var copy = $"{prefix}.copy";
        var sourceIds = builder.Input(
            BundleNames.EncoderInputIds,
            DataType.Int64,
            BundleNames.BatchAxis,
            BundleNames.EncoderSequenceAxis
        );
        var keys = builder.Input(
            BundleNames.CopyKeys,
            DataType.Float,
            BundleNames.DocumentAxis,
            BundleNames.EncoderSequenceAxis,
            config.HiddenSize
        );
        // (D, H, S)
        var keysT = builder.Node("Transpose", $"{copy}.k_t", [keys], Attribute("perm", new long[] { 0, 2, 1 }));
        var scores = builder.Node(
            "Mul",
            $"{copy}.scores",
            [
                beams.MatMulPerDocument(bert.Linear(x, $"{copy}.query"), keysT, $"{copy}.qk"),
                builder.Scalar((float)(1 / Math.Sqrt(config.HiddenSize))),
            ]
        ); // (B, t, S)
        var masked = builder.Node(
            "Add",
            $"{copy}.masked",
            [scores, builder.Node("Squeeze", $"{copy}.mask", [crossMask, builder.Int64s(1)])]
        );
        var attention = builder.Node("Softmax", $"{copy}.attention", [masked], Attribute("axis", -1L));
        var generate = builder.Node("Sigmoid", $"{copy}.p_gen", [bert.Linear(x, $"{copy}.gate")]); // (B, t, 1)
        var copyWeights = builder.Node(
            "Mul",
            $"{copy}.weights",
            [attention, builder.Node("Sub", $"{copy}.p_copy", [builder.Scalar(1f), generate])]
        );
        // Scatter-add the (B, t, S) weights onto the source ids of each row, for every decoder position.
        var indices = builder.Node(
            "Expand",
            $"{copy}.indices",
            [
                builder.Node("Unsqueeze", $"{copy}.ids", [sourceIds, builder.Int64s(1)]),
                builder.Node("Shape", $"{copy}.weights_shape", [copyWeights]),
            ]
        );
        var copied = builder.Node(
            "ScatterElements",
            $"{copy}.copied",
            [builder.Node("Mul", $"{copy}.zeros", [logits, builder.Scalar(0f)]), indices, copyWeights],
            Attribute("axis", 2L),
            Attribute("reduction", "add")
        );
        var vocabulary = builder.Node(
            "Mul",
            $"{copy}.generated",
            [builder.Node("Softmax", $"{copy}.vocabulary", [logits], Attribute("axis", -1L)), generate]
        );
        var mixed = builder.Node("Add", $"{copy}.mixed", [vocabulary, copied]);
        return builder.Node(
            "Log",
            $"{copy}.log",
            [builder.Node("Max", $"{copy}.floored", [mixed, builder.Scalar(PointerGenerator.MinProbability)])]
        );
    }

    static OnnxDim[] CacheDims(BertConfig config, string sequence) =>
        [BundleNames.BatchAxis, config.NumAttentionHeads, sequence, config.HeadDim];

    static OnnxDim[] CrossDims(BertConfig config) =>
        [BundleNames.DocumentAxis, config.NumAttentionHeads, BundleNames.EncoderSequenceAxis, config.HeadDim];

    /// <summary>(B, nH, T, Hd) → (B, nH, Hd, T) for q·kᵀ; ORT folds it into the MatMul (transB).</summary>
    static string KeysT(OnnxGraphBuilder builder, string keys, string stem) =>
        builder.Node("Transpose", $"{stem}.k_t", [keys], Attribute("perm", new long[] { 0, 1, 3, 2 }));
}
