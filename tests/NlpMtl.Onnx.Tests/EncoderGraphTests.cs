using Google.Protobuf;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>The shape of the exported graph: versions, names, dynamic axes.</summary>
[Collection(TorchCollection.Name)]
public class EncoderGraphTests
{
    static MultiTaskModel TinyModel()
    {
        manual_seed(5);
        return new MultiTaskModel(
            new BertModel(BertConfig.Tiny),
            new MultiTaskConfig { Sentiment = new SentimentHeadConfig { Labels = ["negative", "positive"] } }
        );
    }

    [Fact]
    public void GraphIsIr8Opset17WithSymbolicBatchAndSequenceAxes()
    {
        using var model = TinyModel();
        var proto = EncoderExporter.Build(model);
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(17, proto.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(
            [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
            proto.Graph.Input.Select(i => i.Name)
        );
        foreach (var input in proto.Graph.Input)
            Assert.Equal(
                [BundleNames.BatchAxis, BundleNames.SequenceAxis],
                input.Type.TensorType.Shape.Dim.Select(d => d.DimParam)
            );
        var hidden = proto.Graph.Output.Single(o => o.Name == BundleNames.LastHiddenState).Type.TensorType.Shape.Dim;
        Assert.Equal([BundleNames.BatchAxis, BundleNames.SequenceAxis, ""], hidden.Select(d => d.DimParam));
        Assert.Equal(BertConfig.Tiny.HiddenSize, hidden[2].DimValue);
        Assert.Equal(proto.Graph.Node.Count, proto.Graph.Node.Select(n => n.Name).Distinct().Count());
    }

    [Fact]
    public void OneSessionRunsTwoDifferentShapes()
    {
        using var model = TinyModel();
        using var session = new OrtEncoder(EncoderExporter.Build(model).ToByteArray());
        var random = new Random(1);
        foreach (var lengths in new[] { new[] { 5, 3 }, [11, 2, 7, 9] })
        {
            var batch = Parity.RandomBatch(random, BertConfig.Tiny.VocabSize, lengths);
            var outputs = session.Run(batch);
            Assert.Equal(
                [lengths.Length, lengths.Max(), BertConfig.Tiny.HiddenSize],
                outputs[BundleNames.LastHiddenState].Shape
            );
            Assert.Equal([lengths.Length, 2L], outputs[BundleNames.SentimentLogits].Shape);
            var (hidden, logits) = Parity.Torch(model, batch);
            Assert.True(
                Parity.MaxOverTokens(
                    outputs[BundleNames.LastHiddenState].Values,
                    hidden,
                    batch,
                    BertConfig.Tiny.HiddenSize
                ) <= Parity.Tolerance
            );
            Assert.True(Parity.Max(outputs[BundleNames.SentimentLogits].Values, logits) <= Parity.Tolerance);
        }
    }

    /// <summary>
    /// With padding removed, a row's outputs must not depend on how much padding the batch has, and a batch with no
    /// real token at all (a caller's mistake the engine never makes) must still run: every output finite.
    /// </summary>
    [Fact]
    public void PackedEncoderIgnoresPaddingAndSurvivesAnAllPaddingBatch()
    {
        using var model = TinyModel();
        using var session = new OrtEncoder(EncoderExporter.Build(model, EncoderOps.Packed).ToByteArray());
        var alone = Parity.RandomBatch(new Random(3), BertConfig.Tiny.VocabSize, 6);
        var padded = new EncodedBatch(
            [.. alone.InputIds, .. new long[10]],
            [.. alone.AttentionMask, .. new long[10]],
            [.. alone.TokenTypeIds, .. new long[10]],
            1,
            16
        )
        {
            Lengths = [6],
        };
        var narrow = session.Run(alone)[BundleNames.LastHiddenState].Values;
        var wide = session.Run(padded)[BundleNames.LastHiddenState].Values;
        Assert.True(
            Parity.Max(narrow, wide[..narrow.Length]) <= 1e-5,
            "padding changed a real position's hidden state"
        );

        var empty = new EncodedBatch(new long[2 * 5], new long[2 * 5], new long[2 * 5], 2, 5) { Lengths = [0, 0] };
        var outputs = session.Run(empty);
        Assert.Equal([2L, 5, BertConfig.Tiny.HiddenSize], outputs[BundleNames.LastHiddenState].Shape);
        Assert.All(outputs[BundleNames.LastHiddenState].Values.Concat(outputs[BundleNames.SentimentLogits].Values), v =>
            Assert.True(float.IsFinite(v))
        );
    }

    [Fact]
    public void BuilderMakesNamesUnique()
    {
        var builder = new OnnxGraphBuilder("g");
        Assert.Equal("x", builder.UniqueName("x"));
        Assert.Equal("x_1", builder.UniqueName("x"));
        Assert.Equal("x_2", builder.UniqueName("x"));
        Assert.Equal(builder.Scalar(1f), builder.Scalar(1f)); // shared constants
        Assert.NotEqual(builder.Scalar(1f), builder.Scalar(2f));
    }
}
