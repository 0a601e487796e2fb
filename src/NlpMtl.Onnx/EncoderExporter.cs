using Google.Protobuf;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using Onnx;
using static NlpMtl.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx;

/// <summary>
/// Writes the shared encoder as <c>encoder.onnx</c>: (batch, sequence) int64 <c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c> → float <c>last_hidden_state</c> (batch, sequence, hidden) and, when the model has a
/// sentiment head, <c>sentiment_logits</c> (batch, labels) computed as SequenceClassificationHead does in eval mode.
/// The pooler is not exported: no head reads it.
/// </summary>
public static class EncoderExporter
{
    public const string Producer = "NlpMtl.Onnx";

    /// <param name="ops">Standard ONNX ops, or ORT's com.microsoft fused operators
    /// (<see cref="FusedBertGraph"/>).</param>
    public static ModelProto Build(MultiTaskModel model, EncoderOps ops = EncoderOps.Standard) =>
        Build(model.EncoderConfig, model.state_dict(), model.Config.Sentiment, ops);

    /// <summary>A plain HF encoder (no heads): checks the exporter against other BERT exports.</summary>
    public static ModelProto Build(BertModel model, EncoderOps ops = EncoderOps.Standard) =>
        Build(model.Config, model.state_dict(), sentiment: null, ops);

    public static void Write(ModelProto model, string path)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    static ModelProto Build(
        BertConfig config,
        IReadOnlyDictionary<string, Tensor> state,
        SentimentHeadConfig? sentiment,
        EncoderOps ops
    )
    {
        var builder = new OnnxGraphBuilder("nlpmtl_encoder");
        var bert = new BertGraph(builder, state, config);
        var ids = builder.Input(BundleNames.InputIds, DataType.Int64, BundleNames.BatchAxis, BundleNames.SequenceAxis);
        var mask = builder.Input(
            BundleNames.AttentionMask,
            DataType.Int64,
            BundleNames.BatchAxis,
            BundleNames.SequenceAxis
        );
        var types = builder.Input(
            BundleNames.TokenTypeIds,
            DataType.Int64,
            BundleNames.BatchAxis,
            BundleNames.SequenceAxis
        );

        // Positions 0‥T−1 over the dynamic sequence length, (T): Gather broadcasts them over the batch.
        var length = builder.Node(
            "Gather",
            "sequence_length",
            [builder.Node("Shape", "input_shape", [ids]), builder.Int64Scalar(1)],
            Attribute("axis", 0L)
        );
        var positions = builder.Node("Range", "position_ids", [builder.Int64Scalar(0), length, builder.Int64Scalar(1)]);

        var hidden =
            ops == EncoderOps.Packed
                ? PackedLayers(bert, ids, mask, types, positions)
                : PaddedLayers(bert, ids, mask, types, positions, ops);
        builder.Output(
            BundleNames.LastHiddenState,
            hidden,
            DataType.Float,
            BundleNames.BatchAxis,
            BundleNames.SequenceAxis,
            config.HiddenSize
        );

        if (sentiment is not null)
        {
            var logits = SentimentLogits(bert, hidden, mask, sentiment, $"heads.{TaskNames.Sentiment}");
            builder.Output(
                BundleNames.SentimentLogits,
                logits,
                DataType.Float,
                BundleNames.BatchAxis,
                sentiment.Labels.Length
            );
        }
        return builder.Build(Producer);
    }

    /// <summary>Embeddings and layers over every (B, S) position, padding included, in standard or fused
    /// operators.</summary>
    static string PaddedLayers(BertGraph bert, string ids, string mask, string types, string positions, EncoderOps ops)
    {
        var hidden = bert.Embeddings(ids, types, positions, "embeddings");
        var layerMask =
            ops == EncoderOps.FusedAttention ? FusedBertGraph.MaskIndex(bert.Builder, mask) : bert.AdditiveMask(mask);
        for (var i = 0; i < bert.Config.NumHiddenLayers; i++)
            hidden =
                ops == EncoderOps.Standard
                    ? bert.EncoderLayer(hidden, layerMask, $"encoder.layer.{i}")
                    : bert.FusedEncoderLayer(
                        hidden,
                        layerMask,
                        $"encoder.layer.{i}",
                        attention: ops == EncoderOps.FusedAttention
                    );
        return hidden;
    }

    /// <summary>Embeddings and layers on the real tokens only (<see cref="PaddingRemoval"/>), laid out as (B, S, H) at
    /// the end.</summary>
    static string PackedLayers(BertGraph bert, string ids, string mask, string types, string positions)
    {
        var builder = bert.Builder;
        var packing = PaddingRemoval.FromMask(builder, mask, positions);
        var batchPositions = builder.Node(
            "Expand",
            "position_ids_batch",
            [positions, builder.Node("Shape", "ids_shape", [ids])]
        ); // (B, S)
        var hidden = bert.Embeddings(
            packing.Pack(ids, null, "input_ids"),
            packing.Pack(types, null, "token_type_ids"),
            packing.Pack(batchPositions, null, "position_ids"),
            "embeddings"
        ); // (T, H)
        var additiveMask = bert.AdditiveMask(mask);
        for (var i = 0; i < bert.Config.NumHiddenLayers; i++)
            hidden = packing.EncoderLayer(bert, hidden, additiveMask, $"encoder.layer.{i}");
        return packing.Unpack(hidden, "last_hidden_state");
    }

    /// <summary>SequenceClassificationHead in eval mode: masked mean (or [CLS]) pooling, then the classifier.</summary>
    static string SentimentLogits(BertGraph bert, string hidden, string mask, SentimentHeadConfig head, string prefix)
    {
        var builder = bert.Builder;
        string pooled;
        switch (head.Pooling)
        {
            case "mean":
                var weights = builder.Node(
                    "Unsqueeze",
                    $"{prefix}.mask",
                    [
                        builder.Node("Cast", $"{prefix}.mask_float", [mask], Attribute("to", (long)DataType.Float)),
                        builder.Int64s(-1),
                    ]
                ); // (B, T, 1)
                var sum = builder.Node(
                    "ReduceSum",
                    $"{prefix}.sum",
                    [builder.Node("Mul", $"{prefix}.masked", [hidden, weights]), builder.Int64s(1)],
                    Attribute("keepdims", 0L)
                ); // (B, H)
                var count = builder.Node(
                    "ReduceSum",
                    $"{prefix}.count",
                    [weights, builder.Int64s(1)],
                    Attribute("keepdims", 0L)
                ); // (B, 1)
                pooled = builder.Node(
                    "Div",
                    $"{prefix}.pooled",
                    [sum, builder.Node("Max", $"{prefix}.count_clamped", [count, builder.Scalar(1e-9f)])]
                );
                break;
            case "cls":
                pooled = builder.Node(
                    "Gather",
                    $"{prefix}.pooled",
                    [hidden, builder.Int64Scalar(0)],
                    Attribute("axis", 1L)
                ); // (B, H)
                break;
            default:
                throw new NotSupportedException($"sentiment pooling '{head.Pooling}' has no ONNX export");
        }
        return bert.Linear(pooled, $"{prefix}.classifier");
    }
}
