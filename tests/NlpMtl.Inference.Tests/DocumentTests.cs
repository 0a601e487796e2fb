using System.Diagnostics;
using System.Text.Json.Nodes;
using NlpMtl.Core.Data;
using NlpMtl.Core.Text;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Batching;
using NlpMtl.Inference.Documents;
using NlpMtl.TestSupport;

namespace NlpMtl.Inference.Tests;

/// <summary>Whole documents on the tiny bundle (translate reads 48 tokens, summarize 96, sentiment 128).</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class DocumentTests(BundleFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    const string Paragraph =
        "Dr. Smith arrived in the U.S. capital at 3.30 p.m. on Monday. She met Mr. Jones, e.g. to talk about the "
        + "weather.\n"
        + "\n"
        + "They walked along the river. Prices rose by 2.5 percent, he said.\n"
        + "\n"
        + "\n"
        + "A man rides a bike. The children play in the park.\n"
        + "A dog runs after a red ball. Everyone went home at 6 p.m. after the game.\n";

    static string Translate(InferenceEngine engine, string text) =>
        engine.Predict([new DocumentRequest("x", text, ["translate"])])[0].Predictions[0].Translation!;

    [Fact]
    public async Task AnEightSentenceParagraphComesBackAsEightTranslatedSentencesInOrderWithItsBlankLines()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var sentences = SentenceSegmenter.Split(Paragraph).Select(s => s.Of(Paragraph)).ToList();
        Assert.Equal(8, sentences.Count);
        Assert.Equal("Dr. Smith arrived in the U.S. capital at 3.30 p.m. on Monday.", sentences[0]);
        var alone = sentences.Select(s => Translate(engine, s)).ToList();
        Assert.True(alone.Distinct().Count() > 2, "the untrained head gives some distinct outputs");
        // Each sentence is one row, in document order, and each row's translation goes back in its sentence's place.
        var rows = engine.Plan(new DocumentRequest("p", Paragraph, ["translate"])).Rows;
        Assert.Equal(sentences.Select(s => engine.Bundle.Tokenizer.Encode(s)), rows.Select(r => r.InputIds));
        var expected =
            $"{alone[0]} {alone[1]}\n\n{alone[2]} {alone[3]}\n\n\n{alone[4]} {alone[5]}\n{alone[6]} {alone[7]}\n";

        var result = engine.Predict([new DocumentRequest("p", Paragraph, ["translate"])])[0].Predictions[0];
        Assert.Equal(expected, result.Translation);
        Assert.Equal((false, 8), (result.Truncated, result.Segments));

        // The same through the dynamic batcher, beside other documents whose sentences share its batches.
        await using var service = new BatchingInferenceService(
            engine,
            new BatchingOptions { MaxDelay = TimeSpan.FromMilliseconds(20) }
        );
        var results = await service.ProcessAsync([
            new DocumentRequest("a", "A woman walks a dog. It rains.", ["translate"]),
            new DocumentRequest("p", Paragraph, ["translate", "sentiment"]),
        ]);
        Assert.Equal(expected, results[1].Predictions[0].Translation);
        Assert.Equal(
            $"{Translate(engine, "A woman walks a dog.")} {Translate(engine, "It rains.")}",
            results[0].Predictions[0].Translation
        );
    }

    [Fact]
    public void SentencesLongerThanTheHeadAreTranslatedInPiecesCutAtClausesAndJoined()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var clause = "the old man with the grey hat walked slowly along the quiet river bank";
        var sentence = $"{clause}, {clause}; {clause}: {clause} and then {clause} and again {clause}.";
        var plan = engine.Plan(new DocumentRequest("s", sentence, ["translate"]));
        Assert.True(plan.Rows.Count > 2);
        Assert.All(plan.Rows, r => Assert.InRange(r.Tokens, 3, engine.SourceLimit("translate")));
        // Every token of the sentence is read once, in order: the pieces put back together are the sentence.
        var tokenizer = engine.Bundle.Tokenizer;
        Assert.Equal(tokenizer.EncodeUntruncated(sentence), plan.Rows.SelectMany(r => r.InputIds[1..^1]));
        var clauseEnds = tokenizer.EncodeUntruncated(", ; :");
        Assert.Contains(plan.Rows[0].InputIds[^2], clauseEnds); // cut after a clause
        Assert.All(plan.Rows, r => Assert.True(r.Tokens > 10, "no tiny tail piece")); // word windows are balanced
        var result = engine.Predict([new DocumentRequest("s", sentence, ["translate"])])[0].Predictions[0];
        Assert.Equal(plan.Rows.Count, result.Segments);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void TranslationPieceTokensCutsASentenceTheHeadCouldReadWholeAtItsClauses()
    {
        const string sentence = "The old man walked along the river, and his dog ran ahead of him to the bridge.";
        using var whole = InferenceEngine.Load(fixture.Tiny.Bundle);
        using var cut = InferenceEngine.Load(fixture.Tiny.Bundle, new InferenceOptions { TranslationPieceTokens = 16 });
        var tokenizer = whole.Bundle.Tokenizer;
        var ids = tokenizer.EncodeUntruncated(sentence);
        Assert.InRange(ids.Count, 15, whole.SourceLimit("translate") - 2); // fits the head, not the cap

        Assert.Single(whole.Plan(new DocumentRequest("s", sentence, ["translate"])).Rows);
        var rows = cut.Plan(new DocumentRequest("s", sentence, ["translate"])).Rows;
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Tokens, 3, 16));
        Assert.Equal(ids, rows.SelectMany(r => r.InputIds[1..^1])); // every token once, in order
        Assert.Equal(tokenizer.EncodeUntruncated(",").Single(), rows[0].InputIds[^2]); // cut after the clause
        Assert.Equal(2, cut.Predict([new DocumentRequest("s", sentence, ["translate"])])[0].Predictions[0].Segments);
    }

    [Fact]
    public void SentimentReadsEveryWindowAndFirstWindowAggregationIsTheFirstTokensAnswer()
    {
        var text = string.Join(
            ' ',
            Enumerable
                .Range(0, 90)
                .Select(i =>
                    i % 3 == 0
                        ? "A charming film with a terrible plot."
                        : "The acting was flat but the music was great."
                )
        );
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var tokens = engine.Bundle.Tokenizer.EncodeUntruncated(text).Count;
        var expectedWindows = TokenWindows.Of(tokens, 126, 32).Count;
        Assert.True(expectedWindows > 5);
        var whole = engine.Predict([new DocumentRequest("d", text, ["sentiment"])])[0].Predictions[0];
        Assert.Equal((false, expectedWindows), (whole.Truncated, whole.Windows));

        using var first = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SentimentAggregation = SentimentAggregation.FirstWindow }
        );
        var lead = first.Predict([new DocumentRequest("d", text, ["sentiment"])])[0].Predictions[0];
        var firstTokens = first.Run([first.Encode(new DocumentRequest("d", text, ["sentiment"]))])[0].Predictions[0];
        Assert.Equal(firstTokens.Label, lead.Label);
        Assert.Equal(firstTokens.Score!.Value, lead.Score!.Value, 5);
        Assert.True(firstTokens.Truncated);
        // the rest of the document was not read, and the line says so
        Assert.Equal((true, 1), (lead.Truncated, lead.Windows));
        Assert.NotEqual(whole.Score!.Value, lead.Score!.Value, 6); // the other windows count
    }

    [Fact]
    public void TokenWeightedMeanOfLogitsWeighsEachWindowByItsTokens()
    {
        string[] labels = ["negative", "positive"];
        // A long negative window and a short, more confident positive one: the mean logit favours the long one.
        var (label, score) = SentimentAggregator.Aggregate(
            [
                [1f, -1f],
                [-3f, 3f],
            ],
            [120, 20],
            labels,
            SentimentAggregation.TokenWeightedMeanLogits
        );
        var mean = (120 * 2.0 + 20 * -6.0) / 140; // negative minus positive logit
        Assert.Equal("negative", label);
        Assert.Equal(1 / (1 + Math.Exp(-mean)), score, 6);
        Assert.Equal(
            "positive",
            SentimentAggregator
                .Aggregate(
                    [
                        [1f, -1f],
                        [-3f, 3f],
                    ],
                    [120, 20],
                    labels,
                    SentimentAggregation.MeanProbabilities
                )
                .Label
        );
        Assert.Equal(
            "negative",
            SentimentAggregator
                .Aggregate(
                    [
                        [1f, -1f],
                        [-3f, 3f],
                    ],
                    [20, 120],
                    labels,
                    SentimentAggregation.FirstWindow
                )
                .Label
        );
    }

    /// <summary>Scores the sentences that mention the key term; the test's stand-in for a trained salience
    /// head.</summary>
    sealed class KeyTermScorer(string term) : ISalienceScorer
    {
        public SentenceVectors Vectors => SentenceVectors.None;

        public IReadOnlyList<double> Score(IReadOnlyList<string> sentences, IReadOnlyList<float[]>? vectors) =>
            sentences.Select(s => s.Contains(term, StringComparison.Ordinal) ? 1.0 : 0.0).ToList();
    }

    [Fact]
    public void TheSummarizerReadsAKeySentencePastTokenOneThousand()
    {
        var filler = Enumerable
            .Range(0, 120)
            .Select(i => $"Section {i} describes the experimental setup used in the earlier work on this topic.")
            .ToList();
        const string key = "We show that mitochondria regulate the circadian clock in mammals.";
        filler.Insert(80, key);
        var document = string.Join(' ', filler);
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, salience: new KeyTermScorer("mitochondria"));
        var tokenizer = engine.Bundle.Tokenizer;
        var keyStart = tokenizer.EncodeUntruncated(string.Join(' ', filler.Take(80))).Count;
        Assert.True(keyStart > 1000, $"the key sentence starts at token {keyStart}");

        var plan = engine.Plan(new DocumentRequest("d", document, ["summarize"]));
        var source = Assert.Single(plan.Rows).InputIds;
        Assert.True(source.Length <= engine.SourceLimit("summarize"));
        var keyIds = tokenizer.EncodeUntruncated(key).ToArray();
        Assert.True(Contains(source, keyIds), "the summarizer's source holds the key sentence");

        var summary = engine.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.Contains(80, summary.Selected!);
        Assert.Equal((false, 121), (summary.Truncated, summary.Sentences));
        Assert.Equal(summary.Selected!.Order(), summary.Selected!); // document order
        // Reading the first tokens never reaches it.
        using var lead = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SummarySelection = SummarySelection.Lead }
        );
        var leadSummary = lead.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.DoesNotContain(80, leadSummary.Selected!);
        Assert.Equal(0, leadSummary.Selected![0]);
        Assert.True(leadSummary.Truncated);
    }

    [Fact]
    public void SummarySourceTokensCapsWhatTheSummarizerReads()
    {
        var document = string.Join(
            ' ',
            Enumerable.Range(0, 60).Select(i => $"Sentence {i} reports one more finding of the study.")
        );
        using var full = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SummarySelection = SummarySelection.Lead }
        );
        var trained = full.SourceLimit("summarize");
        using var shorter = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SummarySelection = SummarySelection.Lead, SummarySourceTokens = trained / 2 }
        );
        Assert.Equal(trained / 2, shorter.SourceLimit("summarize"));
        Assert.Equal(
            trained / 2,
            Assert.Single(shorter.Plan(new DocumentRequest("d", document, ["summarize"])).Rows).Tokens
        );
        Assert.Equal(trained, Assert.Single(full.Plan(new DocumentRequest("d", document, ["summarize"])).Rows).Tokens);
        Assert.Equal(full.SourceLimit("sentiment"), shorter.SourceLimit("sentiment")); // the other heads read as before
        // Never more than the head was trained on.
        using var longer = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SummarySourceTokens = trained * 2 }
        );
        Assert.Equal(trained, longer.SourceLimit("summarize"));
    }

    /// <summary>A translate line assembled from given sentence translations, as the decoder would return them.
    /// </summary>
    static TaskPrediction Translate(InferenceEngine engine, string document, params string[] translations)
    {
        var plan = engine.Plan(new DocumentRequest("d", document, ["translate"]));
        Assert.Equal(translations.Length, plan.Rows.Count); // one row per sentence, in order
        var outputs = translations
            .Select(t =>
            {
                var output = new RowOutput();
                output.Generated["translate"] = t;
                return output;
            })
            .ToList();
        return plan.Assemble(outputs, null).Predictions[0];
    }

    [Fact]
    public void ATranslationListsTheNumbersEachSentenceLost()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        // The third sentence's translation has a 2:30, but the second sentence's lost it: checked sentence by sentence,
        // so that 2:30 is neither a carried number nor one to put back in the second sentence.
        var line = Translate(
            engine,
            "It cost 50,000 yen. We left at 2:30. Room 213 was free.",
            "Es kostete 50.000 Yen.",
            "Wir gingen um halb drei.",
            "Zimmer 213 war frei, um 2:30."
        );
        Assert.Equal(["2:30"], line.NumbersMissing!);
        Assert.Empty(line.NumbersRestored!);
        Assert.Equal("Es kostete 50.000 Yen. Wir gingen um halb drei. Zimmer 213 war frei, um 2:30.", line.Translation);
        Assert.Contains(
            "\"segments\":3,\"numbers_missing\":[\"2:30\"],\"numbers_restored\":[]",
            line.ToJson(),
            StringComparison.Ordinal
        );
        // Every translation line says it, empty when nothing was lost.
        var carried = Translate(engine, "A dog runs. It rains.", "Ein Hund rennt.", "Es regnet.");
        Assert.Empty(carried.NumbersMissing!);
        Assert.EndsWith("\"numbers_missing\":[],\"numbers_restored\":[]}", carried.ToJson(), StringComparison.Ordinal);
    }

    /// <summary>A copy of the tiny bundle whose manifest gives the translate head these languages (null: none).
    /// </summary>
    string TinyBundleInLanguages(string? source, string? target)
    {
        var copy = Scratch.CreateDirectory("languages-").FullName;
        foreach (var file in Directory.GetFiles(fixture.Tiny.Bundle, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(copy, Path.GetRelativePath(fixture.Tiny.Bundle, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        var path = Path.Combine(copy, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        manifest["translate"]!["source_language"] = source;
        manifest["translate"]!["target_language"] = target;
        File.WriteAllText(path, manifest.ToJsonString());
        return copy;
    }

    [Fact]
    public void ANumberPutBackTakesTheTargetLanguagesSeparatorsWhenTheBundleNamesItsLanguages()
    {
        const string document = "It cost 50,000 yen.";
        using (var german = InferenceEngine.Load(fixture.Tiny.Bundle)) // the test heads translate en → de
            Assert.Equal("Es kostete 50.000 Yen.", Translate(german, document, "Es kostete 50 Yen.").Translation);
        using (var unnamed = InferenceEngine.Load(TinyBundleInLanguages(null, null)))
            Assert.Equal("Es kostete 50,000 Yen.", Translate(unnamed, document, "Es kostete 50 Yen.").Translation);

        // A name the system does not know fails the load, naming the field that holds it.
        foreach (
            var (source, target, field) in new[] { ("en", "xx-nowhere", "target"), ("xx-nowhere", "de", "source") }
        )
        {
            var error = Assert.Throws<InvalidDataException>(() =>
                InferenceEngine.Load(TinyBundleInLanguages(source, target))
            );
            Assert.Contains($"manifest.json: translate.{field}_language 'xx-nowhere' is not a language", error.Message);
        }
    }

    [Fact]
    public void ATranslationGetsTheSourcesNumbersBackWhereTheModelWroteOthersUnlessThatIsOff()
    {
        const string document = "The school was built in 1650.\n\nRoom 213 is on floor 3.";
        string[] translations = ["Die Schule wurde 2013 gebaut.", "Zimmer 1 ist oben."];
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var restored = Translate(engine, document, translations);
        // The text between sentences is kept; floor 3 has no number in its place, so it stays listed.
        Assert.Equal("Die Schule wurde 1650 gebaut.\n\nZimmer 213 ist oben.", restored.Translation);
        Assert.Equal([new("1650", "2013"), new RestoredNumber("213", "1")], restored.NumbersRestored!);
        Assert.Equal(["3"], restored.NumbersMissing!);
        Assert.EndsWith(
            "\"numbers_missing\":[\"3\"],\"numbers_restored\":[{\"number\":\"1650\",\"replaced\":\"2013\"},"
                + "{\"number\":\"213\",\"replaced\":\"1\"}]}",
            restored.ToJson(),
            StringComparison.Ordinal
        );

        using var asGenerated = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { RestoreNumbers = false }
        );
        var kept = Translate(asGenerated, document, translations);
        Assert.Equal("Die Schule wurde 2013 gebaut.\n\nZimmer 1 ist oben.", kept.Translation);
        Assert.Equal(["1650", "213", "3"], kept.NumbersMissing!);
        Assert.Null(kept.NumbersRestored);
        Assert.DoesNotContain("numbers_restored", kept.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnExtractiveSummaryIsTheReadSentenceClosestToTheGeneratedText()
    {
        const string document =
            "Deep networks need large labelled sets. We show that mitochondria  regulate the circadian clock in "
            + "mammals. The code is public.";
        using var extractive = InferenceEngine.Load(fixture.Tiny.Bundle);
        using var abstractive = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { SummaryStyle = SummaryStyle.Abstractive }
        );
        TaskPrediction Summarize(InferenceEngine engine, string generated) => SummarizeAs(engine, document, generated);

        // The generated text shortens the second sentence: the line holds that sentence as the document writes it, its
        // runs of white space as one space.
        var summary = Summarize(extractive, "mitochondria regulate the clock");
        Assert.Equal("We show that mitochondria regulate the circadian clock in mammals.", summary.Summary);
        Assert.Equal((1, 3), (summary.Extracted, summary.Sentences));
        Assert.Contains(1, summary.Selected!);
        Assert.Contains("\"extracted\":1", summary.ToJson(), StringComparison.Ordinal);
        // A generation that shares no word with the document is kept as it is, and says so by omitting "extracted".
        var unrelated = Summarize(extractive, "zebra quartz");
        Assert.Equal(("zebra quartz", null), (unrelated.Summary, unrelated.Extracted));
        Assert.DoesNotContain("extracted", unrelated.ToJson(), StringComparison.Ordinal);
        // Abstractive keeps the generated text.
        var generated = Summarize(abstractive, "mitochondria regulate the clock");
        Assert.Equal(("mitochondria regulate the clock", null), (generated.Summary, generated.Extracted));

        // End to end the line is one of the document's sentences or, when the untrained head's output shares no word
        // with it, that output.
        var whole = extractive.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        var plain = abstractive.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        var sentences = SentenceSegmenter
            .Split(document)
            .Select(s => ExtractiveSummary.AsLine(s.Of(document)))
            .ToList();
        Assert.Equal(
            ExtractiveSummary.Closest(plain.Summary!, sentences) is { } k ? sentences[k] : plain.Summary,
            whole.Summary
        );
    }

    [Fact]
    public void AnExtractiveSummaryDropsItsSentencesOpeningConnectiveUnlessThatIsOff()
    {
        const string document =
            "Deep networks need large labelled sets. However, to this end, we show that mitochondria regulate the "
            + "circadian clock in mammals. The code is public.";
        using var trimmed = InferenceEngine.Load(fixture.Tiny.Bundle);
        using var verbatim = InferenceEngine.Load(
            fixture.Tiny.Bundle,
            new InferenceOptions { TrimSummaryOpening = false }
        );
        TaskPrediction Summarize(InferenceEngine engine) =>
            SummarizeAs(engine, document, "mitochondria regulate the clock");

        var summary = Summarize(trimmed);
        Assert.Equal("We show that mitochondria regulate the circadian clock in mammals.", summary.Summary);
        Assert.Equal(1, summary.Extracted); // still the document's sentence 1, which the line says it came from
        Assert.Equal(
            "However, to this end, we show that mitochondria regulate the circadian clock in mammals.",
            Summarize(verbatim).Summary
        );
    }

    /// <summary>The summarize line of <paramref name="document"/> (one that fits the summarizer's source) had the
    /// summarizer generated <paramref name="generated"/>.</summary>
    static TaskPrediction SummarizeAs(InferenceEngine engine, string document, string generated)
    {
        var plan = engine.Plan(new DocumentRequest("d", document, ["summarize"]));
        var output = new RowOutput();
        output.Generated["summarize"] = generated;
        Assert.Single(plan.Rows); // the document fits: one row, the summarizer's source
        return plan.Assemble([output], null).Predictions[0];
    }

    [Fact]
    public void ASelectedSentenceLongerThanTheSourceIsCutAndFlagged()
    {
        var huge =
            "The mitochondria "
            + string.Join(' ', Enumerable.Repeat("matter a great deal to the cell and its energy", 20))
            + ".";
        var document =
            string.Join(' ', Enumerable.Range(0, 12).Select(i => $"Filler sentence {i} is here.")) + " " + huge;
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, salience: new KeyTermScorer("mitochondria"));
        var summary = engine.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.Equal([12], summary.Selected!);
        Assert.True(summary.Truncated); // the summarizer read only the start of that sentence, and says so
        Assert.Equal(
            engine.SourceLimit("summarize"),
            Assert.Single(engine.Plan(new DocumentRequest("d", document, ["summarize"])).Rows).Tokens
        );
    }

    static bool Contains(int[] haystack, int[] needle) =>
        Enumerable
            .Range(0, haystack.Length - needle.Length + 1)
            .Any(i => haystack.AsSpan(i, needle.Length).SequenceEqual(needle));

    [Fact]
    public void CentroidSalienceRanksTheOffTopicSentenceLast()
    {
        float[][] embeddings =
        [
            [1, 0.1f, 0],
            [0.9f, 0.2f, 0],
            [1, 0, 0.1f],
            [0, 0, 1],
        ];
        var scores = new CentroidSalienceScorer().Score(["a", "b", "c", "aside"], embeddings);
        Assert.Equal(3, Enumerable.Range(0, 4).MinBy(i => scores[i]));
        // Selection: best first while it fits, then back in document order.
        Assert.Equal([0, 2], SummarySelector.Select([5, 9, 5, 5], [0.9, 0.8, 0.95, 0.1], budget: 12));
        // the best alone, cut by the caller
        Assert.Equal([1], SummarySelector.Select([5, 40, 5], [0.1, 0.9, 0.2], budget: 30));
        Assert.Equal(
            [1, 2],
            SummarySelector.Select([0, 5, 5, 5], [0.9, 0.1, 0.95, 0.5], budget: 10, firstSentence: true)
        ); // the first with tokens, then the best
    }

    [Fact]
    public async Task EmbeddingSelectionRunsInTwoStagesAndAgreesBetweenPredictAndTheBatcher()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var document = string.Join(
            ' ',
            Enumerable.Range(0, 40).Select(i => $"Sentence {i} of the report talks about topic {i % 4} in some detail.")
        );
        var plan = engine.Plan(new DocumentRequest("d", document, ["summarize", "translate"]));
        Assert.Contains(plan.Rows, r => r.Embed);
        Assert.DoesNotContain(plan.Rows, r => r.Tasks.Contains("summarize"));
        // a sentence row serves both
        Assert.True(plan.Rows.Where(r => r.Embed).All(r => r.Tasks.Contains("translate")));

        var predicted = engine.Predict([new DocumentRequest("d", document, ["summarize", "translate"])])[0];
        await using var service = new BatchingInferenceService(engine);
        var served = await service.ProcessAsync(new DocumentRequest("d", document, ["summarize", "translate"]));
        Assert.Equal(predicted.Predictions.Select(p => p.ToJson()), served.Predictions.Select(p => p.ToJson()));
        var summary = predicted.Predictions[0];
        Assert.NotEmpty(summary.Selected!);
        Assert.True(summary.Selected!.Length < 40);
        Assert.Equal(40, predicted.Predictions[1].Segments);
    }

    [Fact]
    public void AHundredThousandWordDocumentGetsEveryAnswerWithBoundedMemoryAndTheCapFlagged()
    {
        const int cap = 65_536;
        var sentences = new[]
        {
            "The committee reviewed the annual report and found several errors in the budget tables.",
            "A man in a blue jacket rides his bike along the busy street near the station.",
            "Despite the strong cast, the film never quite finds its rhythm, and the ending falls flat.",
        };
        var words = 0;
        var builder = new System.Text.StringBuilder();
        for (var i = 0; words < 100_000; i++)
        {
            var sentence =
                // all distinct: no row is shared
                $"In part {i}, "
                + $"{char.ToLowerInvariant(sentences[i % sentences.Length][0])}{sentences[i % sentences.Length][1..]}";
            builder.Append(sentence).Append(i % 7 == 6 ? "\n\n" : " ");
            words += sentence.Split(' ').Length;
        }
        var document = builder.ToString();
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, new InferenceOptions { MaxDocumentTokens = cap });
        Assert.True(engine.Bundle.Tokenizer.EncodeUntruncated(document).Count > cap);

        var before = Environment.WorkingSet;
        var peak = before;
        using var sampling = new Timer(_ => peak = Math.Max(peak, Environment.WorkingSet), null, 0, 20);
        var watch = Stopwatch.StartNew();
        var result = engine.Predict([new DocumentRequest("big", document, ["sentiment", "summarize", "translate"])])[0];
        watch.Stop();
        Assert.True(peak - before < 1L << 30, $"working set grew by {(peak - before) >> 20} MB");
        Assert.Equal(["sentiment", "summarize", "translate"], result.Predictions.Select(p => p.Task));
        Assert.All(result.Predictions, p => Assert.True(p.Truncated));
        var (sentiment, summary, translation) = (result.Predictions[0], result.Predictions[1], result.Predictions[2]);
        Assert.Equal(TokenWindows.Of(cap, 126, 32).Count, sentiment.Windows);
        Assert.NotNull(sentiment.Label);
        Assert.NotEmpty(summary.Selected!);
        // Translated up to the cap, with its paragraph breaks, and nothing past it.
        var translated = translation.Translation!;
        Assert.InRange(translation.Segments!.Value, cap / 30, cap / 15);
        Assert.Equal(translation.Segments!.Value / 7, translated.Split("\n\n").Length - 1, 1.0);
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"took {watch.Elapsed}");
        output.WriteLine(
            $"100,000 words, cap {cap}: {watch.Elapsed.TotalSeconds:F1} s, working set +{(peak - before) >> 20} "
                + $"MB, {translation.Segments} segments, "
                + $"{sentiment.Windows} windows, {summary.Selected!.Length} of {summary.Sentences} sentences summarized"
        );
    }

    [Fact]
    public void EmptyAndWhitespaceDocumentsStillGetEveryAnswer()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        foreach (var text in new[] { "", " \n\n " })
        {
            var result = engine
                .Predict([new DocumentRequest("e", text, ["sentiment", "summarize", "translate"])])[0]
                .Predictions;
            Assert.Equal((1, false), (result[0].Windows, result[0].Truncated));
            Assert.Equal((0, 0), (result[1].Sentences, result[1].Selected!.Length));
            Assert.Equal((text, 0), (result[2].Translation, result[2].Segments));
        }
    }
}

/// <summary><see cref="TokenPieces"/> on a made-up vocabulary: ids 0–9 start words, 10–19 continue them, 20 is a
/// comma.</summary>
public class TokenPiecesTests
{
    static readonly TokenPieces Pieces = TokenPieces.FromVocabulary([
        .. Enumerable.Range(0, 10).Select(i => $"w{i}"),
        .. Enumerable.Range(0, 10).Select(i => $"##c{i}"),
        ",",
    ]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PiecesCoverTheSentenceInOrderWithinTheLimitAndNeverSplitAWordThatFits(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            var ids = new List<int>();
            var length = random.Next(1, 200);
            while (ids.Count < length)
            {
                ids.Add(random.Next(0, 10)); // a word: a start and 0-3 continuations
                for (var c = random.Next(0, 4); c > 0; c--)
                    ids.Add(random.Next(10, 20));
                if (random.Next(6) == 0)
                    ids.Add(20);
            }
            var limit = random.Next(5, 40);
            var pieces = Pieces.Split(ids, limit);
            Assert.Equal(ids, pieces.SelectMany(p => ids[p.Start.Value..p.End.Value]));
            Assert.All(pieces, p => Assert.InRange(p.End.Value - p.Start.Value, 1, limit));
            Assert.All(pieces.Skip(1), p =>
                Assert.True(ids[p.Start.Value] < 10 || ids[p.Start.Value - 1] == 20, "a piece starts a word")
            );
        }
    }

    [Fact]
    public void ClausesArePackedAndCutAfterTheirPunctuation()
    {
        int[] ids = [0, 1, 2, 20, 3, 4, 5, 20, 6, 7, 8, 9];
        Assert.Equal([0..8, 8..12], Pieces.Split(ids, 9));
        Assert.Equal([0..4, 4..8, 8..12], Pieces.Split(ids, 5));
        Assert.Equal([0..12], Pieces.Split(ids, 12));
    }
}
