using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Onnx.Parity;
using NlpMtl.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>The exported encoder.onnx, run by ONNX Runtime, reproduces TorchSharp and the original MiniLM
/// export.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class EncoderParityTests(PretrainedFixture fixture, ITestOutputHelper output)
{
    static readonly string[] Labels = ["negative", "positive"];

    static readonly IReadOnlyList<string> Sentences = ParityInputs.Sentences;

    [Theory]
    [InlineData("mean", "gelu", EncoderOps.Standard)]
    [InlineData("cls", "gelu_new", EncoderOps.Standard)]
    [InlineData("mean", "relu", EncoderOps.Standard)]
    [InlineData("mean", "gelu", EncoderOps.Packed)]
    [InlineData("cls", "gelu_new", EncoderOps.Packed)]
    [InlineData("mean", "relu", EncoderOps.Packed)]
    [InlineData("mean", "gelu", EncoderOps.FusedNorms)]
    [InlineData("cls", "gelu_new", EncoderOps.FusedNorms)]
    [InlineData("mean", "relu", EncoderOps.FusedAttention)]
    [InlineData("cls", "gelu", EncoderOps.FusedAttention)]
    [InlineData("mean", "gelu_new", EncoderOps.FusedAttention)]
    public void TinyRandomModelMatchesTorchSharp(string pooling, string activation, EncoderOps ops)
    {
        manual_seed(7);
        using var model = new MultiTaskModel(
            new BertModel(BertConfig.Tiny with { HiddenAct = activation }),
            new MultiTaskConfig
            {
                Sentiment = new SentimentHeadConfig { Labels = ["a", "b", "c"], Pooling = pooling },
            }
        );
        Perturb(model); // non-trivial LayerNorm and bias values, so a mis-wired bias or transposed weight shows
        var random = new Random(11);
        var batches = new[] { new[] { 3, 9, 1, 17, 6, 12 }, [20, 2, 8, 5, 14, 11], [7, 7, 19, 4, 10, 16] }
            .Select(lengths => Parity.RandomBatch(random, BertConfig.Tiny.VocabSize, lengths))
            .ToList();
        var (hidden, logits) = Compare(model, batches, ops);
        Assert.True(hidden <= Parity.Tolerance, $"last_hidden_state max |Δ| = {hidden:E2}");
        Assert.True(logits <= Parity.Tolerance, $"sentiment_logits max |Δ| = {logits:E2}");
    }

    [Theory]
    [InlineData(EncoderOps.Standard)]
    [InlineData(EncoderOps.Packed)]
    [InlineData(EncoderOps.FusedNorms)]
    [InlineData(EncoderOps.FusedAttention)]
    public void PretrainedMiniLmWithSentimentHeadMatchesTorchSharp(EncoderOps ops)
    {
        manual_seed(3);
        using var model = new MultiTaskModel(
            BertCheckpoint.Load(fixture.CheckpointDirectory),
            new MultiTaskConfig { Sentiment = new SentimentHeadConfig { Labels = Labels } }
        );
        var (hidden, logits) = Compare(model, SentenceBatches(), ops);
        Assert.True(hidden <= Parity.Tolerance, $"last_hidden_state max |Δ| = {hidden:E2}");
        Assert.True(logits <= Parity.Tolerance, $"sentiment_logits max |Δ| = {logits:E2}");
    }

    /// <summary>
    /// The chain tied to an outside reference: checkpoint written from the original model.onnx → BertModel → our
    /// export, against the original run on the same batches. With ORT's default optimizations both graphs fuse to the
    /// same kernels (often bit-identical); without them each graph's own ops run, which compares the graphs themselves.
    /// </summary>
    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL, EncoderOps.Standard)]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL, EncoderOps.Standard)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL, EncoderOps.Packed)]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL, EncoderOps.Packed)]
    public void ExportedPretrainedCheckpointMatchesOriginalOnnx(GraphOptimizationLevel optimization, EncoderOps ops)
    {
        using var model = BertCheckpoint.Load(fixture.CheckpointDirectory);
        using var exported = new OrtEncoder(EncoderExporter.Build(model, ops).ToByteArray(), optimization);
        using var original = new OrtEncoder(fixture.OriginalOnnx, optimization);
        Assert.Equal([BundleNames.LastHiddenState], exported.OutputNames);
        var max = 0.0;
        var batches = SentenceBatches();
        foreach (var batch in batches)
        {
            var ours = exported.Run(batch)[BundleNames.LastHiddenState].Values;
            var theirs = original.Run(batch)[original.OutputNames[0]].Values; // last_hidden_state, then the pooler
            max = Math.Max(max, Parity.MaxOverTokens(ours, theirs, batch, model.Config.HiddenSize));
        }
        output.WriteLine(
            $"exported ({ops}) vs original model.onnx ({optimization}) over {batches.Sum(b => b.BatchSize)} "
                + $"sentences: last_hidden_state max |Δ| {max:E2}"
        );
        Assert.True(max <= Parity.Tolerance, $"last_hidden_state max |Δ| = {max:E2}");
    }

    /// <summary>
    /// ORT's optimizer fuses our exported encoder to the kernels it fuses the original model.onnx to: the erf GELU
    /// becomes BiasGelu (a GELU written as Mul by 1/√2 did not fuse and ran 8 % slower than the original).
    /// </summary>
    [Fact]
    public void OrtFusesTheExportedEncoderLikeTheOriginal()
    {
        using var model = BertCheckpoint.Load(fixture.CheckpointDirectory);
        var folder = Scratch.CreateDirectory("nlpmtl-fusion").FullName;
        try
        {
            Dictionary<string, int> Optimized(byte[] graph, string name)
            {
                var path = Path.Combine(folder, name);
                using (var options = new SessionOptions { OptimizedModelFilePath = path })
                using (new InferenceSession(graph, options)) { }
                return global::Onnx
                    .ModelProto.Parser.ParseFrom(File.ReadAllBytes(path))
                    .Graph.Node.GroupBy(n => n.OpType)
                    .ToDictionary(g => g.Key, g => g.Count());
            }
            var ours = Optimized(EncoderExporter.Build(model).ToByteArray(), "ours.onnx");
            var original = Optimized(fixture.OriginalOnnx, "original.onnx");
            output.WriteLine($"ours: {string.Join(", ", ours.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
            Assert.Equal(model.Config.NumHiddenLayers, ours.GetValueOrDefault("BiasGelu"));
            Assert.False(ours.ContainsKey("Erf"), "an unfused erf GELU is left");
            foreach (var op in new[] { "BiasGelu", "MatMul", "FusedMatMul", "LayerNormalization", "Softmax" })
                Assert.Equal(original.GetValueOrDefault(op), ours.GetValueOrDefault(op));

            // Padding removed: the bias moves into Gemm (2-D products), so GELU runs as ORT's Gelu kernel, still fused;
            // Q, K and V are one product per layer, two fewer than the standard graph's three.
            var packed = Optimized(EncoderExporter.Build(model, EncoderOps.Packed).ToByteArray(), "packed.onnx");
            output.WriteLine(
                $"packed: {string.Join(", ", packed.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}"
            );
            Assert.False(packed.ContainsKey("Erf"), "an unfused erf GELU is left in the packed graph");
            Assert.Equal(
                model.Config.NumHiddenLayers,
                packed.GetValueOrDefault("Gelu") + packed.GetValueOrDefault("BiasGelu")
            );
            static int Products(Dictionary<string, int> ops) =>
                ops.GetValueOrDefault("MatMul") + ops.GetValueOrDefault("Gemm") + ops.GetValueOrDefault("FusedGemm");
            Assert.Equal(Products(ours) - 2 * model.Config.NumHiddenLayers, Products(packed));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    List<EncodedBatch> SentenceBatches()
    {
        var tokenizer = BertInputTokenizer.FromCheckpoint(fixture.CheckpointDirectory);
        var batches = Sentences.Chunk(6).Select(chunk => tokenizer.EncodeBatch(chunk)).ToList();
        Assert.True(
            batches.SelectMany(b => b.Lengths).Distinct().Count() >= 12,
            "sentences of at least 12 different lengths"
        );
        return batches;
    }

    (double Hidden, double Logits) Compare(MultiTaskModel model, IReadOnlyList<EncodedBatch> batches, EncoderOps ops)
    {
        using var session = new OrtEncoder(EncoderExporter.Build(model, ops).ToByteArray());
        Assert.Equal([BundleNames.LastHiddenState, BundleNames.SentimentLogits], session.OutputNames);
        var (maxHidden, maxLogits) = (0.0, 0.0);
        foreach (var batch in batches)
        {
            var outputs = session.Run(batch);
            var (hidden, logits) = Parity.Torch(model, batch);
            maxHidden = Math.Max(
                maxHidden,
                Parity.MaxOverTokens(
                    outputs[BundleNames.LastHiddenState].Values,
                    hidden,
                    batch,
                    model.EncoderConfig.HiddenSize
                )
            );
            maxLogits = Math.Max(maxLogits, Parity.Max(outputs[BundleNames.SentimentLogits].Values, logits));
        }
        output.WriteLine(
            $"{ops}: ORT vs TorchSharp over {batches.Sum(b => b.BatchSize)} inputs in {batches.Count} padded batches: "
                + $"last_hidden_state max |Δ| {maxHidden:E2}, sentiment_logits max |Δ| {maxLogits:E2}"
        );
        return (maxHidden, maxLogits);
    }

    static void Perturb(MultiTaskModel model)
    {
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters())
            parameter.add_(randn_like(parameter) * 0.05);
    }
}
