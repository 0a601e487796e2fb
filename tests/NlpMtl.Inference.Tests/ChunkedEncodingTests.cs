using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.MultiTask;
using Xunit.Abstractions;

namespace NlpMtl.Inference.Tests;

/// <summary>
/// A batch encoded in chunks (<see cref="InferenceOptions.EncoderChunkPositions"/>) gives the heads what one encoder
/// call gives them: the same sentiment logits, the same hidden states at real positions, the same generations.
/// </summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class ChunkedEncodingTests(BundleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void ChunksAreConsecutiveRowsWithinTheLimit()
    {
        int[] lengths = [3, 4, 4, 10, 10, 10, 30];
        var chunks = EncoderBatch.Chunks(lengths, 20);
        // 3×4, 2×10, 1×10, 1×30 (a row over the limit still runs)
        Assert.Equal([(0, 3), (3, 2), (5, 1), (6, 1)], chunks);
        Assert.Equal([(0, 7)], EncoderBatch.Chunks(lengths, 0));
        Assert.Equal([(0, 7)], EncoderBatch.Chunks(lengths, 7 * 30));
    }

    [Fact]
    public void ChunkedBatchGivesTheSameOutputsAsOneCall()
    {
        var (_, bundle) = fixture.Pretrained;
        using var engine = InferenceEngine.Load(
            bundle,
            new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, NumBeams = 1 }
        );
        var rows = ParityInputs
            .Texts()
            .Select(t => engine.Encode(new DocumentRequest("", t, [TaskNames.Sentiment])).InputIds)
            .OrderBy(r => r.Length)
            .ToList();
        var padId = engine.Bundle.Tokenizer.PadId;
        using var whole = EncoderBatch.Run(
            engine.Bundle.Encoder,
            rows,
            padId,
            hidden: true,
            sentiment: true,
            chunkPositions: 0
        );
        using var chunked = EncoderBatch.Run(
            engine.Bundle.Encoder,
            rows,
            padId,
            hidden: true,
            sentiment: true,
            chunkPositions: 64
        );
        Assert.True(
            EncoderBatch.Chunks(rows.Select(r => r.Length).ToList(), 64).Count >= 3,
            "the test must cut the batch"
        );

        var logitsMax = whole.SentimentLogits!.Zip(chunked.SentimentLogits!, (a, b) => Math.Abs(a - b)).Max();
        var (a, b) = (
            whole.Hidden!.GetTensorDataAsSpan<float>().ToArray(),
            chunked.Hidden!.GetTensorDataAsSpan<float>().ToArray()
        );
        Assert.Equal(a.Length, b.Length);
        var width = a.Length / (rows.Count * whole.SequenceLength);
        var hiddenMax = 0.0;
        for (var r = 0; r < rows.Count; r++)
        for (var i = 0; i < rows[r].Length * width; i++)
            hiddenMax = Math.Max(
                hiddenMax,
                Math.Abs(a[(r * whole.SequenceLength * width) + i] - b[(r * whole.SequenceLength * width) + i])
            );
        output.WriteLine(
            $"{rows.Count} rows of {rows[0].Length}-{rows[^1].Length} tokens: logits max |Δ| {logitsMax:E2}, "
                + $"hidden (real positions) max |Δ| {hiddenMax:E2}"
        );
        Assert.True(logitsMax <= 1e-4, $"logits max |Δ| {logitsMax:E2}");
        Assert.True(hiddenMax <= 1e-4, $"hidden max |Δ| {hiddenMax:E2}");

        foreach (var task in new[] { TaskNames.Summarize, TaskNames.Translate })
        {
            var head = engine.Bundle.Decoder(task);
            var all = Enumerable.Range(0, rows.Count).ToArray();
            Assert.Equal(
                HeadGenerator.Generate(head, whole, all, CancellationToken.None),
                HeadGenerator.Generate(head, chunked, all, CancellationToken.None)
            );
        }
    }
}
