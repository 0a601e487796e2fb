using System.Numerics.Tensors;
using Google.Protobuf;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Onnx.Parity;
using NlpMtl.Onnx.Quantization;
using NlpMtl.TestSupport;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>The int8 graphs stay close to fp32: per-column rounding error, sentiment logits and argmax, decoder
/// logits.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class Int8QuantizerTests(PretrainedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void PerColumnWeightsRoundTripWithinHalfAStep()
    {
        var random = new Random(3);
        const int rows = 40,
            columns = 7;
        var weights = Enumerable
            .Range(0, rows * columns)
            .Select(i => (float)(random.NextDouble() - 0.5) * (1 + i % columns * 10))
            .ToArray();
        var (quantized, scales) = Int8Quantizer.QuantizePerColumn(weights, rows, columns);
        for (var i = 0; i < weights.Length; i++)
            Assert.InRange(
                Math.Abs(quantized[i] * scales[i % columns] - weights[i]),
                0,
                scales[i % columns] / 2 + 1e-6
            );
        // each column uses its full range
        Assert.Equal(127, Enumerable.Range(0, rows).Max(k => Math.Abs((int)quantized[k * columns + 6])));
    }

    /// <summary>
    /// Bound, stated: int8 weights and activations move MiniLM's sentiment logits by at most a quarter of the largest
    /// logit (measured: about a fifth, the same in all three forms: they compute the same integers), and the predicted
    /// label stays the same on at least 90 % of the inputs.
    /// </summary>
    [Theory]
    [InlineData(Int8Form.DynamicQuantizeMatMul)]
    [InlineData(Int8Form.MatMulIntegerToFloat)]
    [InlineData(Int8Form.MatMulInteger)]
    public void Int8EncoderLogitsAreCloseToFp32AndArgmaxAgrees(Int8Form form)
    {
        manual_seed(23);
        using var model = new MultiTaskModel(
            BertCheckpoint.Load(fixture.CheckpointDirectory),
            new MultiTaskConfig { Sentiment = new SentimentHeadConfig { Labels = ["negative", "neutral", "positive"] } }
        );
        using (no_grad()) // a classifier with logits of a realistic spread, not the init's near-zero ones
            foreach (var (name, parameter) in model.named_parameters())
                if (name.StartsWith("heads.sentiment.classifier.weight", StringComparison.Ordinal))
                    parameter.mul_(20);
        var fp32 = EncoderExporter.Build(model);
        var int8 = Int8Quantizer.Quantize(fp32, form);
        Assert.Contains(int8.Graph.Initializer, i => i.DataType == (int)global::Onnx.TensorProto.Types.DataType.Int8);
        var constants = int8.Graph.Initializer.Select(i => i.Name).ToHashSet();
        // the small classifier stays fp32
        Assert.Equal(1, int8.Graph.Node.Count(n => n.OpType == "MatMul" && constants.Contains(n.Input[1])));
        using var fp32Session = new OrtEncoder(fp32.ToByteArray());
        using var int8Session = new OrtEncoder(int8.ToByteArray());
        var (maxAbs, agree, rows, spread) = (0.0, 0, 0, 0.0);
        foreach (var batch in ParityInputs.Batches(BertInputTokenizer.FromCheckpoint(fixture.CheckpointDirectory, 128)))
        {
            var a = fp32Session.Run(batch)[BundleNames.SentimentLogits].Values;
            var b = int8Session.Run(batch)[BundleNames.SentimentLogits].Values;
            maxAbs = Math.Max(maxAbs, Parity.Max(a, b));
            spread = Math.Max(spread, a.Max(Math.Abs));
            for (var row = 0; row < batch.BatchSize; row++, rows++)
                if (ArgMax(a.AsSpan(row * 3, 3)) == ArgMax(b.AsSpan(row * 3, 3)))
                    agree++;
        }
        output.WriteLine(
            $"{form}: sentiment logits max |Δ| int8 vs fp32 {maxAbs:E2} (max |logit| {spread:F2}), argmax agrees "
                + $"on {agree}/{rows}"
        );
        Assert.True(maxAbs <= 0.25 * spread, $"int8 logits max |Δ| = {maxAbs:E2}, max |logit| {spread:F2}");
        Assert.True(agree >= 0.9 * rows, $"argmax agrees on {agree}/{rows}");
    }

    /// <summary><c>--int8-exclude ffn-output</c>: each layer's feed-forward output projection (the MatMul reading
    /// its activation) stays an fp32 MatMul with the original weights, every other MatMul is quantized as
    /// before.</summary>
    [Fact]
    public void FeedForwardOutputExclusionKeepsEachLayersOutputProjectionInFp32()
    {
        manual_seed(31);
        using var model = new MultiTaskModel(
            BertCheckpoint.Load(fixture.CheckpointDirectory),
            new MultiTaskConfig { Sentiment = new SentimentHeadConfig { Labels = ["negative", "positive"] } }
        );
        var fp32 = EncoderExporter.Build(model);
        var all = Int8Quantizer.Quantize(fp32, Int8Export.DefaultForm);
        var kept = Int8Quantizer.Quantize(fp32, Int8Export.DefaultForm, Int8Exclusion.FeedForwardOutput);

        static List<NodeProto> ReadingActivation(ModelProto graph) =>
            graph
                .Graph.Node.Where(n =>
                    n.Input.Count > 0
                    && n.Input[0].EndsWith(BertGraph.FeedForwardActivationSuffix, StringComparison.Ordinal)
                )
                .ToList();
        Assert.Equal(36, all.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        Assert.Equal(30, kept.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        Assert.All(ReadingActivation(all), n => Assert.Equal("DynamicQuantizeMatMul", n.OpType));
        var fp32Weights = fp32.Graph.Initializer.ToDictionary(i => i.Name);
        var keptWeights = kept.Graph.Initializer.ToDictionary(i => i.Name);
        var projections = ReadingActivation(kept);
        Assert.Equal(6, projections.Count);
        foreach (var node in projections)
        {
            Assert.Equal("MatMul", node.OpType);
            Assert.Equal(fp32Weights[node.Input[1]].RawData, keptWeights[node.Input[1]].RawData);
        }

        // Closer to fp32 than the fully quantized graph, on average over every hidden state (the maxima sit on a few
        // tokens and are alike: 6.3 and 5.8 here).
        var batch = ParityInputs.Batches(BertInputTokenizer.FromCheckpoint(fixture.CheckpointDirectory, 128)).First();
        float[] HiddenStates(ModelProto graph)
        {
            using var session = new OrtEncoder(graph.ToByteArray());
            return session.Run(batch)[BundleNames.LastHiddenState].Values;
        }
        var reference = HiddenStates(fp32);
        double MeanError(ModelProto graph) =>
            HiddenStates(graph).Zip(reference).Average(p => Math.Abs(p.First - p.Second));
        var (allError, keptError) = (MeanError(all), MeanError(kept));
        output.WriteLine(
            $"hidden states vs fp32, mean |Δ|: int8 {allError:E3}, feed-forward outputs fp32 {keptError:E3}"
        );
        Assert.InRange(keptError, 1e-6, 0.9 * allError);
    }

    [Fact]
    public void Int8DecoderStepQuantizesTheTiedProjectionAndKeepsTheArgmax()
    {
        manual_seed(29);
        using var model = new MultiTaskModel(
            new BertModel(BertConfig.Tiny with { HiddenSize = 64, IntermediateSize = 256 }),
            new MultiTaskConfig
            {
                Summarize = new DecoderHeadConfig
                {
                    Layers = 2,
                    VocabSize = 512,
                    PadId = 0,
                    BosId = 1,
                    EosId = 2,
                },
            }
        );
        model.eval();
        var fp32 = DecoderExporter.Build(model, TaskNames.Summarize);
        var int8 = Int8Quantizer.Quantize(fp32, Int8Export.DefaultForm);
        Assert.DoesNotContain(int8.Graph.Node, n => n.OpType == "Transpose" && n.Input[0].Contains("word_embeddings"));
        using var fp32Head = new ServedHead(model, TaskNames.Summarize, fp32);
        using var int8Head = new ServedHead(model, TaskNames.Summarize, int8);
        var random = new Random(4);
        var states = Enumerable.Range(0, 3 * 9 * 64).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var mask = Enumerable.Repeat(1L, 27).ToArray();
        var tokens = new long[] { 1, 1, 1 };
        using var a = fp32Head.Decoder(states, [3, 9, 64], mask, new long[27]);
        using var b = int8Head.Decoder(states, [3, 9, 64], mask, new long[27]);
        var fp32Logits = a.Step(tokens).ToArray();
        var int8Logits = b.Step(tokens).ToArray();
        var maxAbs = Parity.Max(fp32Logits, int8Logits);
        output.WriteLine($"decoder step logits int8 vs fp32: max |Δ| {maxAbs:E2}");
        Assert.True(maxAbs <= 0.1, $"int8 step logits max |Δ| = {maxAbs:E2}");
        for (var row = 0; row < 3; row++)
            Assert.Equal(ArgMax(fp32Logits.AsSpan(row * 512, 512)), ArgMax(int8Logits.AsSpan(row * 512, 512)));
    }

    static int ArgMax(ReadOnlySpan<float> row) => TensorPrimitives.IndexOfMax(row);
}
