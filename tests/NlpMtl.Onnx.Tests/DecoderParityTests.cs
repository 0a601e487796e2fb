using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>The exported decoder step graph, fed its own present key/values, reproduces BertDecoder.Step with a cache.</summary>
[Collection(TorchCollection.Name)]
public class DecoderParityTests(ITestOutputHelper output)
{
    const int Steps = 6;

    static MultiTaskModel TinyModel()
    {
        manual_seed(13);
        var model = new MultiTaskModel(new BertModel(BertConfig.Tiny), new MultiTaskConfig
        {
            Summarize = new DecoderHeadConfig { Layers = 2, VocabSize = BertConfig.Tiny.VocabSize, PadId = 0, BosId = 1, EosId = 2 },
        });
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters()) parameter.add_(randn_like(parameter) * 0.05); // non-trivial biases and norms
        model.eval();
        return model;
    }

    [Fact]
    public void StepLogitsMatchBertDecoderStepWithCache()
    {
        using var model = TinyModel();
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var session = new InferenceSession(DecoderExporter.Build(model, TaskNames.Summarize).ToByteArray());
        var decoder = model.Decoder(TaskNames.Summarize);
        var random = new Random(5);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 9, 4, 13);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(tensor(encoder.InputIds, encoderShape), encoderMask, tensor(encoder.TokenTypeIds, encoderShape));
        var statesData = states.data<float>().ToArray();
        using var cache = decoder.NewCache();
        var pasts = Enumerable.Range(0, 2 * config.NumHiddenLayers)
            .Select(_ => (Values: Array.Empty<float>(), Shape: new long[] { encoder.BatchSize, config.NumAttentionHeads, 0, config.HeadDim })).ToArray();
        var tokens = Enumerable.Repeat(1L, encoder.BatchSize).ToArray(); // BOS
        var max = 0.0;
        for (var step = 0; step < Steps; step++)
        {
            var expected = decoder.Step(tensor(tokens, [encoder.BatchSize, 1L]), states, BertModel.AdditiveMask(encoderMask, CPU), cache).data<float>().ToArray();
            var (logits, presents) = RunStep(session, tokens, statesData, encoder.AttentionMask, encoderShape, pasts, config.NumHiddenLayers);
            max = Math.Max(max, Parity.Max(logits, expected));
            Assert.Equal(step + 1, presents[0].Shape[2]);
            pasts = presents;
            tokens = tokens.Select(_ => (long)random.Next(3, config.VocabSize)).ToArray(); // teacher-forced random continuation
        }
        output.WriteLine($"decoder step logits, ORT vs BertDecoder.Step over {Steps} cached steps × {encoder.BatchSize} rows: max |Δ| {max:E2}");
        Assert.True(max <= Parity.Tolerance, $"step logits max |Δ| = {max:E2}");
    }

    [Fact]
    public void SeveralTokensWithEmptyPastMatchTeacherForcedForward()
    {
        using var model = TinyModel();
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var session = new InferenceSession(DecoderExporter.Build(model, TaskNames.Summarize).ToByteArray());
        var random = new Random(8);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 6, 11);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];
        var targets = Enumerable.Range(0, encoder.BatchSize * 5).Select(_ => (long)random.Next(1, config.VocabSize)).ToArray();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(tensor(encoder.InputIds, encoderShape), encoderMask, tensor(encoder.TokenTypeIds, encoderShape));
        var expected = model.DecoderLogits(TaskNames.Summarize, states, encoderMask, tensor(targets, [encoder.BatchSize, 5L])).data<float>().ToArray();
        var pasts = Enumerable.Range(0, 2 * config.NumHiddenLayers)
            .Select(_ => (Values: Array.Empty<float>(), Shape: new long[] { encoder.BatchSize, config.NumAttentionHeads, 0, config.HeadDim })).ToArray();
        var (logits, presents) = RunStep(session, targets, states.data<float>().ToArray(), encoder.AttentionMask, encoderShape, pasts, config.NumHiddenLayers);
        var max = Parity.Max(logits, expected);
        output.WriteLine($"decoder teacher-forced logits (causal mask in the graph), 2 rows × 5 tokens: max |Δ| {max:E2}");
        Assert.Equal(5, presents[0].Shape[2]);
        Assert.True(max <= Parity.Tolerance, $"teacher-forced logits max |Δ| = {max:E2}");
    }

    /// <summary>One run of the step graph; returns the logits and the present caches in past order (key, value per layer).</summary>
    static (float[] Logits, (float[] Values, long[] Shape)[] Presents) RunStep(InferenceSession session, long[] tokens, float[] states,
        long[] encoderMask, long[] encoderShape, (float[] Values, long[] Shape)[] pasts, int layers)
    {
        var batch = encoderShape[0];
        var inputs = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(tokens, [batch, tokens.Length / batch]),
            OrtValue.CreateTensorValueFromMemory(states, [batch, encoderShape[1], states.Length / (batch * encoderShape[1])]),
            OrtValue.CreateTensorValueFromMemory(encoderMask, encoderShape),
        };
        inputs.AddRange(pasts.Select(p => OrtValue.CreateTensorValueFromMemory(p.Values, p.Shape)));
        var inputNames = new List<string> { BundleNames.DecoderInputIds, BundleNames.EncoderHiddenStates, BundleNames.EncoderAttentionMask };
        var outputNames = new List<string> { BundleNames.Logits };
        for (var i = 0; i < layers; i++)
        {
            inputNames.AddRange([BundleNames.PastKey(i), BundleNames.PastValue(i)]);
            outputNames.AddRange([BundleNames.PresentKey(i), BundleNames.PresentValue(i)]);
        }
        try
        {
            using var options = new RunOptions();
            using var outputs = session.Run(options, inputNames, inputs, outputNames);
            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(),
                outputs.Skip(1).Select(o => (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape)).ToArray());
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }
}
