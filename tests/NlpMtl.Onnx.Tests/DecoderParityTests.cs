using Google.Protobuf;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Onnx.Parity;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>
/// The exported cross graph + step graph, fed their own cross keys/values and present caches, reproduce
/// BertDecoder.Step with a cache, teacher-forced decoding, and greedy generation.
/// </summary>
[Collection(TorchCollection.Name)]
public class DecoderParityTests(ITestOutputHelper output)
{
    const int Steps = 6;

    /// <param name="copy">With a pointer-generator (its graph part: copy keys, scatter-add, mixture, log).</param>
    static MultiTaskModel TinyModel(bool copy = false)
    {
        manual_seed(13);
        var model = new MultiTaskModel(new BertModel(BertConfig.Tiny), new MultiTaskConfig
        {
            Summarize = new DecoderHeadConfig { Layers = 2, VocabSize = BertConfig.Tiny.VocabSize, PadId = 0, BosId = 1, EosId = 2, Copy = copy },
        });
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters()) parameter.add_(randn_like(parameter) * 0.05); // non-trivial biases and norms
        model.eval();
        return model;
    }

    static OrtDecoder Export(MultiTaskModel model, BertConfig config) => new(
        new OrtGraph(DecoderExporter.BuildCross(model, TaskNames.Summarize).ToByteArray(), BundleNames.CrossFile(TaskNames.Summarize)),
        new OrtGraph(DecoderExporter.Build(model, TaskNames.Summarize).ToByteArray(), BundleNames.DecoderFile(TaskNames.Summarize)),
        config.NumHiddenLayers, config.NumAttentionHeads, config.HeadDim);

    [Fact]
    public void CrossGraphWritesEveryLayersKeysAndValuesInHeadLayout()
    {
        using var model = TinyModel();
        var config = model.DecoderConfig(model.Config.Summarize!);
        var proto = DecoderExporter.BuildCross(model, TaskNames.Summarize);
        Assert.Equal([BundleNames.EncoderHiddenStates], proto.Graph.Input.Select(i => i.Name));
        Assert.Equal([BundleNames.CrossKey(0), BundleNames.CrossValue(0), BundleNames.CrossKey(1), BundleNames.CrossValue(1)], proto.Graph.Output.Select(o => o.Name));
        var step = DecoderExporter.Build(model, TaskNames.Summarize);
        Assert.DoesNotContain(BundleNames.EncoderHiddenStates, step.Graph.Input.Select(i => i.Name));
        Assert.Contains(BundleNames.CrossKey(1), step.Graph.Input.Select(i => i.Name));
        using var decoder = Export(model, config);
        var states = new FloatTensor(new float[3 * 7 * config.HiddenSize], [3, 7, config.HiddenSize]);
        var cross = decoder.Cross(states);
        Assert.Equal([3L, config.NumAttentionHeads, 7, config.HeadDim], cross[BundleNames.CrossValue(1)].Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StepLogitsMatchBertDecoderStepWithCache(bool copy)
    {
        using var model = TinyModel(copy);
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var ort = Export(model, config);
        var decoder = model.Decoder(TaskNames.Summarize);
        var random = new Random(5);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 9, 4, 13);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(tensor(encoder.InputIds, encoderShape), encoderMask, tensor(encoder.TokenTypeIds, encoderShape));
        var crossCache = ort.Cross(new FloatTensor(states.data<float>().ToArray(), states.shape));
        using var cache = decoder.NewCache();
        var past = ort.EmptyPast(encoder.BatchSize);
        var tokens = Enumerable.Repeat(1L, encoder.BatchSize).ToArray(); // BOS
        var max = 0.0;
        for (var step = 0; step < Steps; step++)
        {
            var expected = decoder.Step(tensor(tokens, [encoder.BatchSize, 1L]), states, BertModel.AdditiveMask(encoderMask, CPU), cache, tensor(encoder.InputIds, encoderShape)).data<float>().ToArray();
            var (logits, present) = ort.Step(tokens, encoder.AttentionMask, encoderShape, crossCache, past, encoder.InputIds);
            max = Math.Max(max, Parity.Max(logits.Values, expected));
            Assert.Equal(step + 1, present[BundleNames.PresentKey(0)].Shape[2]);
            past = present;
            tokens = tokens.Select(_ => (long)random.Next(3, config.VocabSize)).ToArray(); // teacher-forced random continuation
        }
        output.WriteLine($"{(copy ? "copying " : "")}decoder step logits, ORT (cross + step graphs) vs BertDecoder.Step over {Steps} cached steps × {encoder.BatchSize} rows: max |Δ| {max:E2}");
        Assert.True(max <= Parity.Tolerance, $"step logits max |Δ| = {max:E2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SeveralTokensWithEmptyPastMatchTeacherForcedForward(bool copy)
    {
        using var model = TinyModel(copy);
        var config = model.DecoderConfig(model.Config.Summarize!);
        using var ort = Export(model, config);
        var random = new Random(8);
        var encoder = Parity.RandomBatch(random, config.VocabSize, 6, 11);
        long[] encoderShape = [encoder.BatchSize, encoder.SequenceLength];
        var targets = Enumerable.Range(0, encoder.BatchSize * 5).Select(_ => (long)random.Next(1, config.VocabSize)).ToArray();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoderMask = tensor(encoder.AttentionMask, encoderShape);
        var states = model.Encode(tensor(encoder.InputIds, encoderShape), encoderMask, tensor(encoder.TokenTypeIds, encoderShape));
        var expected = model.DecoderLogits(TaskNames.Summarize, states, encoderMask, tensor(targets, [encoder.BatchSize, 5L]), tensor(encoder.InputIds, encoderShape)).data<float>().ToArray();
        var crossCache = ort.Cross(new FloatTensor(states.data<float>().ToArray(), states.shape));
        var (logits, present) = ort.Step(targets, encoder.AttentionMask, encoderShape, crossCache, ort.EmptyPast(encoder.BatchSize), encoder.InputIds);
        var max = Parity.Max(logits.Values, expected);
        output.WriteLine($"decoder teacher-forced logits (causal mask in the graph), 2 rows × 5 tokens: max |Δ| {max:E2}");
        Assert.Equal(5, present[BundleNames.PresentKey(0)].Shape[2]);
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
        using var ort = Export(model, config);
        var encoder = Parity.RandomBatch(new Random(21), config.VocabSize, 5, 12, 8, 3);
        long[] shape = [encoder.BatchSize, encoder.SequenceLength];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(encoder.InputIds, shape);
        var mask = tensor(encoder.AttentionMask, shape);
        var options = new GenerationOptions { MaxNewTokens = 12, NumBeams = 1, NoRepeatNgramSize = 2 };
        var expected = Seq2SeqGenerator.Generate(model, TaskNames.Summarize, ids, mask, options);
        var states = model.Encode(ids, mask, zeros_like(ids)); // Seq2SeqGenerator encodes with token type 0
        var actual = ort.Greedy(new FloatTensor(states.data<float>().ToArray(), states.shape), encoder.AttentionMask,
            head.BosId, head.EosId, head.PadId, options.MaxNewTokens, options.NoRepeatNgramSize, encoder.InputIds);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }
}
