using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Documents;
using NlpMtl.Inference.Generation;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Inference.Tests;

/// <summary>
/// The serving engine (ORT, no TorchSharp) against the TorchSharp model it was exported from, end to end: the same
/// texts through tokenisation, truncation, batching and the heads. 24 inputs from 1 to 300+ tokens (truncated).
/// </summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class EngineParityTests(BundleFixture fixture, ITestOutputHelper output)
{
    static IReadOnlyList<string> Texts() => [.. ParityInputs.Texts(), string.Join(' ', ParityInputs.Texts()), ""];

    [Fact]
    public void SentimentLogitsAndScoresMatchTorchSharp()
    {
        var (checkpoint, bundle) = fixture.Pretrained;
        using var engine = InferenceEngine.Load(
            bundle,
            new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu }
        );
        using var model = MultiTaskCheckpoint.Load(checkpoint);
        model.eval();
        var texts = Texts();
        var limit = engine.SourceLimit("sentiment");
        var tokenizer = BertInputTokenizer.FromCheckpoint(checkpoint, limit);

        var documents = texts.Select((t, i) => engine.Encode(new DocumentRequest($"{i}", t, ["sentiment"]))).ToList();
        // same truncation
        Assert.Equal(texts.Select(t => tokenizer.Encode(t)), documents.Select(d => (IReadOnlyList<int>)d.InputIds));
        using var encoded = EncoderBatch.Run(
            engine.Bundle.Encoder,
            documents.Select(d => d.InputIds).ToList(),
            tokenizer.PadId,
            hidden: false,
            sentiment: true
        );
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var batch = tokenizer.EncodeBatch(texts);
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            var mask = tensor(batch.AttentionMask, shape);
            expected = model
                .SentimentLogits(model.Encode(tensor(batch.InputIds, shape), mask, zeros_like(mask)), mask)
                .data<float>()
                .ToArray();
        }
        var logitsMax = expected.Zip(encoded.SentimentLogits!, (a, b) => Math.Abs(a - b)).Max();

        var torch = TorchPredictor.Classify(model, tokenizer, texts, batchSize: 5);
        // The public path reading each text's first window only, as the trainer's truncation does.
        using var firstWindow = InferenceEngine.Load(
            bundle,
            new InferenceOptions
            {
                ExecutionProvider = ExecutionProviderPreference.Cpu,
                SentimentAggregation = SentimentAggregation.FirstWindow,
            }
        );
        var ours = firstWindow
            .Predict(texts.Select((t, i) => new DocumentRequest($"{i}", t, ["sentiment"])).ToList())
            .Select(r => r.Predictions[0])
            .ToList();
        var scoreMax = torch.Zip(ours, (t, o) => Math.Abs(t.Probability - o.Score!.Value)).Max();
        output.WriteLine(
            $"{texts.Count} inputs ({documents.Min(d => d.Tokens)}–{documents.Max(d => d.Tokens)} tokens): logits "
                + $"max |Δ| {logitsMax:E2}, probability max |Δ| {scoreMax:E2}"
        );
        Assert.True(logitsMax <= 1e-4, $"sentiment logits max |Δ| {logitsMax:E2}");
        Assert.True(scoreMax <= 1e-4, $"probability max |Δ| {scoreMax:E2}");
        Assert.Equal(torch.Select(t => t.Label), ours.Select(o => o.Label));
    }

    [Theory]
    [InlineData(TaskNames.Summarize, 1)]
    [InlineData(TaskNames.Translate, 1)]
    [InlineData(TaskNames.Summarize, 2)]
    [InlineData(TaskNames.Translate, 2)]
    public void GenerationsMatchSeq2SeqGenerator(string task, int beams)
    {
        var (checkpoint, bundle) = fixture.Pretrained;
        using var engine = InferenceEngine.Load(
            bundle,
            new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, NumBeams = beams }
        );
        using var model = MultiTaskCheckpoint.Load(checkpoint);
        model.eval();
        var head = engine.Bundle.Decoder(task);
        var texts = Texts();
        var tokenizer = BertInputTokenizer.FromCheckpoint(checkpoint, engine.SourceLimit(task));
        var options = new GenerationSettings
        {
            NumBeams = beams,
            MaxNewTokens = head.Settings.MaxNewTokens,
            LengthPenalty = head.Settings.LengthPenalty,
            NoRepeatNgramSize = head.Settings.NoRepeatNgramSize,
        };

        var identical = 0;
        var expectedTexts = new List<string>();
        foreach (var chunk in texts.Chunk(6))
        {
            var ours = EngineGeneration.Ids(engine, task, chunk);
            using var scope = NewDisposeScope();
            var batch = tokenizer.EncodeBatch(chunk);
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            var reference = Seq2SeqGenerator.Generate(
                model,
                task,
                tensor(batch.InputIds, shape),
                tensor(batch.AttentionMask, shape),
                options
            );
            identical += reference.Zip(ours, (r, o) => r.SequenceEqual(o) ? 1 : 0).Sum();
            expectedTexts.AddRange(reference.Select(r => head.Vocabulary.Decode(r)));
        }
        var fraction = (double)identical / texts.Count;
        output.WriteLine(
            $"{task}, {beams} beam(s): token-identical on {identical}/{texts.Count} ({fraction:P0}); e.g. "
                + $"\"{expectedTexts[2]}\""
        );
        Assert.True(fraction >= 0.95, $"token-identical on {fraction:P1}");

        // The engine's single-row path (subsets, detokenisation) gives the same texts; Predict reads whole documents
        // (sentences, salient sentences), which the reference generator does not.
        var predicted = engine.Run(
            texts.Select((t, i) => engine.Encode(new DocumentRequest($"{i}", t, [task]))).ToList()
        );
        var same = predicted
            .Zip(expectedTexts, (p, e) =>
                (task == TaskNames.Summarize ? p.Predictions[0].Summary : p.Predictions[0].Translation) == e ? 1 : 0
            )
            .Sum();
        Assert.True(same >= 0.95 * texts.Count, $"engine texts equal TorchSharp's on {same}/{texts.Count}");
    }
}
