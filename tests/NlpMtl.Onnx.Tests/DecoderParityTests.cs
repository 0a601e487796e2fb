using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Inference.Generation;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>
/// The exported cross graph + step graph, fed their own cross keys/values and present caches, reproduce
/// BertDecoder.Step with a cache, teacher-forced decoding, and greedy generation.
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class DecoderParityTests(ITestOutputHelper output)
{
    const int Steps = 6;

    /// <param name="copy">With a pointer-generator (its graph part: copy keys, scatter-add, mixture, log).</param>
    static MultiTaskModel TinyModel(bool copy = false)
    {
        manual_seed(13);
        var model = new MultiTaskModel(
            new BertModel(BertConfig.Tiny),
            new MultiTaskConfig
            {
                Summarize = new DecoderHeadConfig
                {
                    Layers = 2,
                    VocabSize = BertConfig.Tiny.VocabSize,
                    PadId = 0,
                    BosId = 1,
                    EosId = 2,
                    Copy = copy,
                },
            }
        );
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters())
            parameter.add_(randn_like(parameter) * 0.05); // non-trivial biases and norms
        model.eval();
        return model;
    }

    [Fact]
    public void CrossGraphWritesEveryLayersKeysAndValuesInHeadLayout()
    {
        using var model = TinyModel();
        var config = model.DecoderConfig(model.Config.Summarize!);
        var proto = DecoderExporter.BuildCross(model, TaskNames.Summarize);
        Assert.Equal([BundleNames.EncoderHiddenStates], proto.Graph.Input.Select(i => i.Name));
        Assert.Equal(
            [BundleNames.CrossKey(0), BundleNames.CrossValue(0), BundleNames.CrossKey(1), BundleNames.CrossValue(1)],
            proto.Graph.Output.Select(o => o.Name)
        );
        var step = DecoderExporter.Build(model, TaskNames.Summarize);
        Assert.DoesNotContain(BundleNames.EncoderHiddenStates, step.Graph.Input.Select(i => i.Name));
        Assert.Contains(BundleNames.CrossKey(1), step.Graph.Input.Select(i => i.Name));
        using var served = new ServedHead(model, TaskNames.Summarize);
        using var states = OrtValue.CreateTensorValueFromMemory(
            new float[3 * 7 * config.HiddenSize],
            [3, 7, config.HiddenSize]
        );
        using var cross = served.Head.Cross.Run([BundleNames.EncoderHiddenStates], [states], served.Head.Names.Cross);
        // layer 1's value
        Assert.Equal([3L, config.NumAttentionHeads, 7, config.HeadDim], cross[3].GetTensorTypeAndShape().Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StepLogitsMatchBertDecoderStepWithCache(bool copy)
    {
        using var model = TinyModel(copy);
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var served = new ServedHead(model, TaskNames.Summarize);
        var decoder = model.Decoder(TaskNames.Summarize);
        var random = new Random(5);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 9, 4, 13);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(
            tensor(encoder.InputIds, encoderShape),
            encoderMask,
            tensor(encoder.TokenTypeIds, encoderShape)
        );
        using var ort = served.Decoder(
            states.data<float>().ToArray(),
            states.shape,
            encoder.AttentionMask,
            encoder.InputIds
        );
        using var cache = decoder.NewCache();
        var tokens = Enumerable.Repeat(1L, encoder.BatchSize).ToArray(); // BOS
        var max = 0.0;
        for (var step = 0; step < Steps; step++)
        {
            var expected = decoder
                .Step(
                    tensor(tokens, [encoder.BatchSize, 1L]),
                    states,
                    BertModel.AdditiveMask(encoderMask, CPU),
                    cache,
                    tensor(encoder.InputIds, encoderShape)
                )
                .data<float>()
                .ToArray();
            max = Math.Max(max, Parity.Max(ort.Step(tokens).ToArray(), expected));
            // teacher-forced random continuation
            tokens = tokens.Select(_ => (long)random.Next(3, config.VocabSize)).ToArray();
        }
        output.WriteLine(
            $"{(copy ? "copying " : "")}decoder step logits, ORT (cross + step graphs) vs BertDecoder.Step over "
                + $"{Steps} cached steps × {encoder.BatchSize} rows: max |Δ| {max:E2}"
        );
        Assert.True(max <= Parity.Tolerance, $"step logits max |Δ| = {max:E2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SeveralTokensWithEmptyPastMatchTeacherForcedForward(bool copy)
    {
        using var model = TinyModel(copy);
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var served = new ServedHead(model, TaskNames.Summarize);
        var random = new Random(8);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 6, 11);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];
        var targets = Enumerable
            .Range(0, encoder.BatchSize * 5)
            .Select(_ => (long)random.Next(1, config.VocabSize))
            .ToArray();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(
            tensor(encoder.InputIds, encoderShape),
            encoderMask,
            tensor(encoder.TokenTypeIds, encoderShape)
        );
        var expected = model
            .DecoderLogits(
                TaskNames.Summarize,
                states,
                encoderMask,
                tensor(targets, [encoder.BatchSize, 5L]),
                tensor(encoder.InputIds, encoderShape)
            )
            .data<float>()
            .ToArray();
        // Five tokens in one call with an empty past: the step graph directly, in the head's feeding order.
        var head = served.Head;
        using var stateValue = OrtValue.CreateTensorValueFromMemory(states.data<float>().ToArray(), states.shape);
        using var cross = head.Cross.Run([BundleNames.EncoderHiddenStates], [stateValue], head.Names.Cross);
        using var ids = OrtValue.CreateTensorValueFromMemory(targets, [encoder.BatchSize, 5L]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(encoder.AttentionMask, encoderShape);
        using var sourceIds = OrtValue.CreateTensorValueFromMemory(encoder.InputIds, encoderShape);
        var past = head
            .Names.Past.Select(_ =>
                OrtValue.CreateTensorValueFromMemory(
                    Array.Empty<float>(),
                    [encoder.BatchSize, config.NumAttentionHeads, 0L, config.HeadDim]
                )
            )
            .ToList();
        using var outputs = head.Step.Run(
            head.Names.StepInputs,
            [ids, maskValue, .. past, .. cross, .. copy ? new[] { sourceIds } : []],
            head.Names.StepOutputs
        );
        foreach (var value in past)
            value.Dispose();
        var max = Parity.Max(outputs[0].GetTensorDataAsSpan<float>().ToArray(), expected);
        output.WriteLine(
            $"decoder teacher-forced logits (causal mask in the graph), 2 rows × 5 tokens: max |Δ| {max:E2}"
        );
        Assert.Equal(5, outputs[1].GetTensorTypeAndShape().Shape[2]); // layer 0's present key holds all five positions
        Assert.True(max <= Parity.Tolerance, $"teacher-forced logits max |Δ| = {max:E2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OrtGreedyMatchesSeq2SeqGeneratorGreedy(bool copy)
    {
        using var model = TinyModel(copy);
        var head = model.Config.Summarize!;
        var config = model.DecoderConfig(head);
        using var served = new ServedHead(model, TaskNames.Summarize);
        var encoder = Parity.RandomBatch(new Random(21), config.VocabSize, 5, 12, 8, 3);
        long[] shape = [encoder.BatchSize, encoder.SequenceLength];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(encoder.InputIds, shape);
        var mask = tensor(encoder.AttentionMask, shape);
        var options = new GenerationSettings
        {
            MaxNewTokens = 12,
            NumBeams = 1,
            NoRepeatNgramSize = 2,
        };
        var expected = Seq2SeqGenerator.Generate(model, TaskNames.Summarize, ids, mask, options);
        var states = model.Encode(ids, mask, zeros_like(ids)); // Seq2SeqGenerator encodes with token type 0
        using var ort = served.Decoder(
            states.data<float>().ToArray(),
            states.shape,
            encoder.AttentionMask,
            encoder.InputIds
        );
        var actual = GreedySearch.Run(ort, served.Head.Special, options);
        Assert.Equal(expected.Count, actual.Length);
        for (var i = 0; i < expected.Count; i++)
            Assert.Equal(expected[i], actual[i]);
    }
}
