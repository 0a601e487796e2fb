using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.MultiTask;
using Onnx;
using static NlpMtl.Onnx.OnnxGraphBuilder;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx;

/// <summary>
/// Writes one generative task's <see cref="NlpMtl.Modeling.Bert.BertDecoder"/> as a step graph with a self-attention
/// key/value cache: the new tokens, the encoder's states and mask, and each layer's past keys/values (past length 0 at
/// the first step) → logits for the new tokens and each layer's present keys/values (past + new), which the caller
/// passes back as the next step's past. Cross-attention keys/values are recomputed from the encoder states at every
/// step: simpler than caching them, at the cost of two (S×H)·(H×H) products per layer and step.
/// </summary>
public static class DecoderExporter
{
    public static ModelProto Build(MultiTaskModel model, string task)
    {
        var head = model.Config.Decoder(task);
        var config = model.DecoderConfig(head);
        var builder = new OnnxGraphBuilder($"nlpmtl_decoder_{task}");
        var bert = new BertGraph(builder, model.state_dict(), config);
        var prefix = $"heads.{task}";
        OnnxDim[] CacheDims(string sequence) => [BundleNames.BatchAxis, config.NumAttentionHeads, sequence, config.HeadDim];

        var ids = builder.Input(BundleNames.DecoderInputIds, DataType.Int64, BundleNames.BatchAxis, BundleNames.DecoderSequenceAxis);
        var encoderStates = builder.Input(BundleNames.EncoderHiddenStates, DataType.Float, BundleNames.BatchAxis, BundleNames.EncoderSequenceAxis, config.HiddenSize);
        var encoderMask = builder.Input(BundleNames.EncoderAttentionMask, DataType.Int64, BundleNames.BatchAxis, BundleNames.EncoderSequenceAxis);
        var past = Enumerable.Range(0, config.NumHiddenLayers).Select(i => (
            Key: builder.Input(BundleNames.PastKey(i), DataType.Float, CacheDims(BundleNames.PastSequenceAxis)),
            Value: builder.Input(BundleNames.PastValue(i), DataType.Float, CacheDims(BundleNames.PastSequenceAxis)))).ToList();

        // Absolute positions of the new tokens continue after the cached ones: past‥past+t−1 (BertEmbeddings.Embed's offset).
        var pastLength = builder.Node("Gather", "past_length", [builder.Node("Shape", "past_shape", [past[0].Key]), builder.Int64Scalar(2)], Attribute("axis", 0L));
        var newLength = builder.Node("Gather", "new_length", [builder.Node("Shape", "input_shape", [ids]), builder.Int64Scalar(1)], Attribute("axis", 0L));
        var totalLength = builder.Node("Add", "total_length", [pastLength, newLength]);
        var queryPositions = builder.Node("Range", "position_ids", [pastLength, totalLength, builder.Int64Scalar(1)]); // (t)
        var keyPositions = builder.Node("Range", "key_positions", [builder.Int64Scalar(0), totalLength, builder.Int64Scalar(1)]); // (past + t)

        // Causal mask (t, past + t): query at position p sees keys at positions ≤ p. With one new token it masks nothing.
        var visible = builder.Node("LessOrEqual", "causal.visible", [
            builder.Node("Unsqueeze", "causal.keys", [keyPositions, builder.Int64s(0)]),
            builder.Node("Unsqueeze", "causal.queries", [queryPositions, builder.Int64s(1)])]);
        var causalMask = builder.Node("Where", "causal.mask", [visible, builder.Scalar(0f), builder.Scalar(float.MinValue)]);
        var crossMask = bert.AdditiveMask(encoderMask); // (B, 1, 1, S)

        var types = builder.Node("Mul", "token_type_ids", [ids, builder.Int64Scalar(0)]); // BertDecoder embeds token type 0
        var x = bert.Embeddings(ids, types, queryPositions, $"{prefix}.embeddings");
        var presents = new List<(string Key, string Value)>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var layer = $"{prefix}.layer.{i}";
            var self = $"{layer}.attention.self";
            var presentKey = builder.Node("Concat", BundleNames.PresentKey(i), [past[i].Key, bert.SplitHeads(bert.Linear(x, $"{self}.key"), $"{self}.k")], Attribute("axis", 2L));
            var presentValue = builder.Node("Concat", BundleNames.PresentValue(i), [past[i].Value, bert.SplitHeads(bert.Linear(x, $"{self}.value"), $"{self}.v")], Attribute("axis", 2L));
            var context = bert.Attend(bert.SplitHeads(bert.Linear(x, $"{self}.query"), $"{self}.q"), KeysT(builder, presentKey, self), presentValue, causalMask, self);
            var attended = bert.DenseResidualNorm(context, x, $"{layer}.attention.output");

            var cross = $"{layer}.crossattention.self";
            var crossKeysT = bert.SplitHeads(bert.Linear(encoderStates, $"{cross}.key"), $"{cross}.k", keyLayout: true);
            var crossValues = bert.SplitHeads(bert.Linear(encoderStates, $"{cross}.value"), $"{cross}.v");
            var crossContext = bert.Attend(bert.SplitHeads(bert.Linear(attended, $"{cross}.query"), $"{cross}.q"), crossKeysT, crossValues, crossMask, cross);
            var crossed = bert.DenseResidualNorm(crossContext, attended, $"{layer}.crossattention.output");
            x = bert.FeedForward(crossed, layer);
            presents.Add((presentKey, presentValue));
        }

        // Output projection tied to the word embeddings: x · Wᵀ + b. The Transpose reads the one stored (V, H) matrix;
        // ORT folds it into a constant at load, so the file does not hold the matrix twice.
        var words = builder.Initializer($"{prefix}.output.word_embeddings.weight", bert.Weight($"{prefix}.embeddings.word_embeddings.weight"));
        var projection = builder.Node("Transpose", $"{prefix}.output.projection", [words], Attribute("perm", new long[] { 1, 0 })); // (H, V)
        var logits = builder.Node("Add", $"{prefix}.logits", [builder.Node("MatMul", $"{prefix}.output.matmul", [x, projection]),
            builder.Initializer($"{prefix}.output_bias", bert.Weight($"{prefix}.output_bias"))]);
        builder.Output(BundleNames.Logits, logits, DataType.Float, BundleNames.BatchAxis, BundleNames.DecoderSequenceAxis, config.VocabSize);
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            builder.Output(BundleNames.PresentKey(i), presents[i].Key, DataType.Float, CacheDims(BundleNames.TotalSequenceAxis));
            builder.Output(BundleNames.PresentValue(i), presents[i].Value, DataType.Float, CacheDims(BundleNames.TotalSequenceAxis));
        }
        return builder.Build(EncoderExporter.Producer);
    }

    public static void Export(MultiTaskModel model, string task, string path) => EncoderExporter.Write(Build(model, task), path);

    /// <summary>(B, nH, T, Hd) → (B, nH, Hd, T) for q·kᵀ.</summary>
    static string KeysT(OnnxGraphBuilder builder, string keys, string stem) =>
        builder.Node("Transpose", $"{stem}.k_t", [keys], Attribute("perm", new long[] { 0, 1, 3, 2 }));
}
