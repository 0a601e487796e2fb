using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Inference.Batching;
using NlpMtl.Inference.Documents;
using NlpMtl.TestSupport;

namespace NlpMtl.Inference.Tests;

/// <summary>A copy of the tiny bundle with a sentence ranker that prefers a document's last sentence.</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RankedSummaryTests : IDisposable
{
    const string Document =
        "Deep networks need large labelled sets. We show that mitochondria regulate the circadian clock. The code "
        + "is public on our site.";

    readonly string bundle;

    public RankedSummaryTests(BundleFixture fixture)
    {
        bundle = Scratch.CreateDirectory("nlpmtl-ranked-").FullName;
        foreach (var file in Directory.GetFiles(fixture.Tiny.Bundle, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(bundle, Path.GetRelativePath(fixture.Tiny.Bundle, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        var hidden = BundleManifest.Load(bundle).Encoder.HiddenSize;
        var weights = new double[SalienceFeatures.Count(hidden)];
        weights[2 * hidden + 4] = 5; // the last-sentence flag
        LearnedSalienceScorer
            .Create(hidden, weights)
            .SaveInto(bundle, new SalienceManifest { Documents = 1, HeldOutRouge = 1 });
    }

    public void Dispose() => Directory.Delete(bundle, recursive: true);

    static InferenceEngine Engine(string bundle, SummaryStyle style) =>
        InferenceEngine.Load(bundle, new InferenceOptions { SummaryStyle = style });

    [Fact]
    public async Task RankedSummariesRunNoSummarizerAndGiveTheRankersTopSentence()
    {
        using var engine = Engine(bundle, SummaryStyle.Ranked);
        Assert.NotNull(engine.Bundle.Salience);
        var plan = engine.Plan(new DocumentRequest("d", Document, ["summarize"]));
        // One encoder row, the whole document, pooled per sentence: the ranker reads sentences in context.
        var row = Assert.Single(plan.Rows);
        Assert.Equal((0, false), (row.Tasks.Count, row.Embed));
        Assert.Equal(SentenceSpans(engine, Document), row.Pools);

        var summary = engine.Predict([new DocumentRequest("d", Document, ["summarize"])])[0].Predictions[0];
        Assert.Equal("The code is public on our site.", summary.Summary);
        Assert.Equal((2, 3), (summary.Extracted, summary.Sentences));
        Assert.Equal([0, 1, 2], summary.Selected!);
        await using var service = new BatchingInferenceService(engine);
        var served = await service.ProcessAsync(new DocumentRequest("d", Document, ["summarize"]));
        Assert.Equal(summary.ToJson(), served.Predictions[0].ToJson());
    }

    [Fact]
    public void ALongDocumentIsReadThroughTheRankersSentencesAndRankedCoversItWhole()
    {
        var document = string.Join(
            ' ',
            Enumerable.Range(0, 40).Select(i => $"Sentence {i} of the report talks about topic {i % 4} in some detail.")
        );
        using var ranked = Engine(bundle, SummaryStyle.Ranked);
        // Context windows: each of the encoder's length at most, every sentence in one of them, in order.
        var windows = ranked.Plan(new DocumentRequest("d", document, ["summarize"])).Rows;
        Assert.True(windows.Count > 1);
        Assert.All(windows, w => Assert.True(w.Tokens <= ranked.Bundle.Manifest.Encoder.MaxPositions));
        var ids = ranked.Bundle.Tokenizer.EncodeUntruncated(document);
        Assert.Equal(ids, windows.SelectMany(w => w.Pools!.SelectMany(span => w.InputIds[span])));
        Assert.Equal(40, windows.Sum(w => w.Pools!.Count));
        var top = ranked.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.Equal((39, 40, false), (top.Extracted, top.Sentences, top.Truncated));
        Assert.Equal("Sentence 39 of the report talks about topic 3 in some detail.", top.Summary);

        // Extractive reads what fits of the ranker's best sentences (the last first), then weighs the ranker again.
        using var extractive = Engine(bundle, SummaryStyle.Extractive);
        var summary = extractive.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.Contains(39, summary.Selected!);
        Assert.True(summary.Selected!.Length < 40);
        Assert.Contains(summary.Extracted!.Value, summary.Selected!);
    }

    [Fact]
    public void ExtractiveSummariesWeighTheRankerAndAGenerationSharingNoWordStillGetsASentence()
    {
        using var engine = Engine(bundle, SummaryStyle.Extractive);
        var plan = engine.Plan(new DocumentRequest("d", Document, ["summarize"]));
        // The summarizer's source is also the window the ranker reads the sentences in: no row is added for it.
        var source = Assert.Single(plan.Rows);
        Assert.Equal(["summarize"], source.Tasks);
        Assert.Equal(SentenceSpans(engine, Document), source.Pools);
        var outputs = engine.RunRows(plan.Rows);
        outputs[0].Generated["summarize"] = "zebra";
        var summary = plan.Assemble(outputs, null).Predictions[0];
        Assert.Equal(("The code is public on our site.", 2), (summary.Summary, summary.Extracted));

        // Abstractive ignores the ranker: no sentence vector is read for it.
        using var abstractive = Engine(bundle, SummaryStyle.Abstractive);
        Assert.DoesNotContain(abstractive.Plan(new DocumentRequest("d", Document, ["summarize"])).Rows, r =>
            r.Embed || r.Pools is not null
        );
    }

    /// <summary>Each sentence's token span in the row <c>[CLS] document [SEP]</c>.</summary>
    static List<Range> SentenceSpans(InferenceEngine engine, string document)
    {
        var start = 1;
        return
        [
            .. Core
                .Text.SentenceSegmenter.Split(document)
                .Select(span => engine.Bundle.Tokenizer.EncodeUntruncated(span.Of(document)).Count)
                .Select(length => new Range(start, start += length)),
        ];
    }

    [Fact]
    public void ASentenceReadInContextDependsOnItsNeighboursAndPoolingIsTheMeanOverItsTokens()
    {
        using var engine = Engine(bundle, SummaryStyle.Ranked);
        const string sentence = "It regulates the circadian clock.";
        string[] documents = [$"Mitochondria are organelles. {sentence}", $"The stock market fell sharply. {sentence}"];
        var alone = engine.EmbedSentences(documents, SentenceVectors.Alone);
        var inContext = engine.EmbedSentences(documents, SentenceVectors.InContext);
        Assert.All(inContext, d => Assert.Equal(2, d.Vectors.Count));
        Assert.Equal(alone[0].Vectors[1], alone[1].Vectors[1]); // alone: the same sentence, the same vector
        Assert.NotEqual(inContext[0].Vectors[1], inContext[1].Vectors[1]); // in context: what came before counts

        // Pooled spans that split a row average back to the row's embedding, weighted by their lengths.
        int[] ids = [.. engine.Bundle.Tokenizer.Encode("Mitochondria regulate the circadian clock in mammals.")];
        var output = Assert.Single(engine.RunRows([new SourceRow(ids, [], Embed: true, Pools: [0..3, 3..])]));
        var (head, tail) = (output.Pooled![0], output.Pooled[1]);
        for (var k = 0; k < head.Length; k++)
            Assert.Equal(output.Embedding![k], (3 * head[k] + (ids.Length - 3) * tail[k]) / ids.Length, 1e-5);
    }

    [Fact]
    public void RankedNeedsARankerAndABundleNamingAMissingOrMisfittedRankerFailsToLoad()
    {
        var manifestPath = Path.Combine(bundle, BundleManifest.FileName);
        var withRanker = File.ReadAllText(manifestPath);
        File.WriteAllText(manifestPath, withRanker.Replace("\"salience\":", "\"unused\":"));
        var message = Assert.Throws<ArgumentException>(() => Engine(bundle, SummaryStyle.Ranked)).Message;
        Assert.Contains("nlpmtl salience", message);

        File.WriteAllText(manifestPath, withRanker.Replace("\"file\": \"salience.json\"", "\"file\": \"gone.json\""));
        Assert.Contains(
            "gone.json",
            Assert.Throws<FileNotFoundException>(() => Engine(bundle, SummaryStyle.Extractive)).Message
        );

        File.WriteAllText(manifestPath, withRanker);
        var rankerPath = Path.Combine(bundle, LearnedSalienceScorer.FileName);
        var hidden = BundleManifest.Load(bundle).Encoder.HiddenSize;
        LearnedSalienceScorer.Create(hidden + 1, new double[SalienceFeatures.Count(hidden + 1)]).Save(rankerPath);
        message = Assert.Throws<InvalidDataException>(() => Engine(bundle, SummaryStyle.Extractive)).Message;
        Assert.Contains(rankerPath, message);
        Assert.Contains("hidden_size", message);
    }
}
