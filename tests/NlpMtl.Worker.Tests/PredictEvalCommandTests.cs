using System.Text.Json;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference.Documents;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using static TorchSharp.torch;

namespace NlpMtl.Worker.Tests;

/// <summary><c>nlpmtl predict</c> and <c>nlpmtl eval</c> on a tiny three-head bundle made with <c>nlpmtl
/// export</c>.</summary>
[Collection(TorchCollection.Name)] // the fixture builds the model in TorchSharp
[Trait("Category", "Integration")]
public partial class PredictEvalCommandTests(PredictEvalCommandTests.TinyBundle tiny)
    : IClassFixture<PredictEvalCommandTests.TinyBundle>
{
    /// <summary><c>nlpmtl predict</c> on the tiny bundle.</summary>
    Task<(int ExitCode, string Out, string Error)> Predict(
        string task,
        string input,
        string output,
        params string[] options
    ) =>
        CommandLineRunner.RunAsync([
            "predict",
            "--bundle",
            tiny.Bundle,
            "--task",
            task,
            "--input",
            input,
            "--output",
            output,
            .. options,
        ]);

    static string Sample(string file) => Path.Combine(AppContext.BaseDirectory, "samples", file);

    [Fact]
    public async Task PredictWritesOneLinePerInputInOrder()
    {
        var input = Path.Combine(tiny.Root, "docs.txt");
        File.WriteAllLines(
            input,
            ["a warm , funny film", "", "the worst two hours of my life", "ein Mann fährt Fahrrad ."]
        );
        foreach (var task in new[] { "sentiment", "summarize", "translate" })
        {
            var output = Path.Combine(tiny.Root, $"{task}.jsonl");
            var (exitCode, stdout, error) = await Predict(task, input, output);
            Assert.True(exitCode == 0, error);
            Assert.Contains("Predicted 4 documents", stdout);
            var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(["1", "2", "3", "4"], lines.Select(l => l.GetProperty("id").GetString()));
            Assert.All(lines, l => Assert.Equal(task, l.GetProperty("task").GetString()));
            var field = task switch
            {
                "sentiment" => "label",
                "summarize" => "summary",
                _ => "translation",
            };
            Assert.All(lines, l => Assert.Equal(JsonValueKind.String, l.GetProperty(field).ValueKind));
            // every line says what was read
            Assert.All(lines, l => Assert.False(l.GetProperty("truncated").GetBoolean()));
            var split = task switch
            {
                "sentiment" => "windows",
                "summarize" => "sentences",
                _ => "segments",
            };
            Assert.All(lines, l => Assert.Equal(JsonValueKind.Number, l.GetProperty(split).ValueKind));
        }
    }

    [Fact]
    public async Task RestoreNumbersFalseKeepsTheModelsTranslationAndSaysNothingWasRestored()
    {
        var input = Path.Combine(tiny.Root, "numbers.txt");
        File.WriteAllLines(input, ["The school was built in 1650.", "Room 213 is on floor 3."]);
        var restored = Path.Combine(tiny.Root, "restored.jsonl");
        var kept = Path.Combine(tiny.Root, "kept.jsonl");
        var (exitCode, _, error) = await Predict("translate", input, restored);
        Assert.True(exitCode == 0, error);
        (exitCode, _, error) = await Predict("translate", input, kept, "--restore-numbers", "false");
        Assert.True(exitCode == 0, error);
        var on = File.ReadAllLines(restored).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var off = File.ReadAllLines(kept).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // On (the default) every line lists what it put back; off, none does, and what the lines lack covers every
        // source number the restored lines either put back or still lack.
        Assert.All(on, l => Assert.Equal(JsonValueKind.Array, l.GetProperty("numbers_restored").ValueKind));
        Assert.All(off, l => Assert.False(l.TryGetProperty("numbers_restored", out _)));
        for (var i = 0; i < on.Count; i++)
            Assert.Equal(
                off[i].GetProperty("numbers_missing").GetArrayLength(),
                on[i].GetProperty("numbers_missing").GetArrayLength()
                    + on[i].GetProperty("numbers_restored").GetArrayLength()
            );
    }

    [Fact]
    public async Task PredictReadsWholeDocumentsAndFlagsThoseCutByTheCap()
    {
        var input = Path.Combine(tiny.Root, "long.txt");
        var review = string.Join(
            ' ',
            Enumerable.Range(0, 40).Select(i => $"Scene {i} drags on, but the score is lovely.")
        );
        File.WriteAllLines(input, [review, "A short one."]);
        foreach (var (cap, truncated) in new[] { ("100000", false), ("64", true) })
        {
            var output = Path.Combine(tiny.Root, $"long-{cap}.jsonl");
            var (exitCode, _, error) = await Predict("sentiment", input, output, "--max-document-tokens", cap);
            Assert.True(exitCode == 0, error);
            var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(truncated, lines[0].GetProperty("truncated").GetBoolean());
            Assert.True(lines[0].GetProperty("windows").GetInt32() > (truncated ? 0 : 3));
            Assert.False(lines[1].GetProperty("truncated").GetBoolean());
            Assert.Equal(1, lines[1].GetProperty("windows").GetInt32());
        }
        var (code, _, message) = await Predict(
            "sentiment",
            input,
            Path.Combine(tiny.Root, "x.jsonl"),
            "--max-document-tokens",
            "3"
        );
        Assert.Equal(1, code);
        Assert.Contains("--max-document-tokens must be at least 16", message);
    }

    [Theory]
    [InlineData("--beams", "0", "--beams must be at least 1")]
    [InlineData("--max-new-tokens", "0", "--max-new-tokens must be at least 1")]
    [InlineData("--no-repeat-ngram-size", "-1", "--no-repeat-ngram-size must be at least 0")]
    [InlineData("--length-penalty", "-0.5", "--length-penalty must be at least 0")]
    [InlineData("--length-penalty", "6", "--length-penalty must be at most 5")]
    public async Task GenerationOverridesOutOfRangeFailWithOneLineNamingTheOption(
        string option,
        string value,
        string expected
    )
    {
        var input = Path.Combine(tiny.Root, "override.txt");
        await File.WriteAllTextAsync(input, "A man rides a bike.\n");
        var output = Path.Combine(tiny.Root, $"override{option}.jsonl");
        var (code, _, message) = await Predict("translate", input, output, option, value);
        Assert.Equal(1, code);
        Assert.Single(message.TrimEnd().Split('\n'));
        Assert.Contains(expected, message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task EvalScoresDocumentsAndParagraphsAndSaysWhatWasRead()
    {
        // IMDB-style TSV: whole reviews, longer than the sentiment head reads at once.
        var reviews = Path.Combine(tiny.Root, "reviews.tsv");
        File.WriteAllLines(
            reviews,
            [
                "sentence\tlabel",
                .. Enumerable
                    .Range(0, 6)
                    .Select(i =>
                        string.Join(
                            ' ',
                            Enumerable
                                .Range(0, 30)
                                .Select(k => $"Part {k} of review {i} was {(i % 2 == 0 ? "dull" : "great")}.")
                        ) + $"\t{i % 2}"
                    ),
            ]
        );
        var (exitCode, stdout, error) = await CommandLineRunner.RunAsync(
            "eval",
            "--bundle",
            tiny.Bundle,
            "--task",
            "sentiment",
            "--data",
            reviews
        );
        Assert.True(exitCode == 0, error);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6, json.GetProperty("examples").GetInt32());
        Assert.True(json.GetProperty("windows").GetInt32() > 12, stdout);
        Assert.Equal(0, json.GetProperty("truncated").GetInt32());

        // Paragraph files: 3-4 aligned lines joined, scored against translating each line alone.
        (exitCode, stdout, error) = await CommandLineRunner.RunAsync(
            "eval",
            "--bundle",
            tiny.Bundle,
            "--task",
            "translate",
            "--data",
            Sample("translate.en"),
            "--target",
            Sample("translate.de"),
            "--max-examples",
            "14",
            "--paragraphs",
            "3-4"
        );
        Assert.True(exitCode == 0, error);
        json = JsonDocument.Parse(stdout).RootElement;
        Assert.InRange(json.GetProperty("examples").GetInt32(), 4, 5);
        Assert.True(json.GetProperty("segments").GetInt32() >= 14, stdout); // every caption translated
        Assert.InRange(json.GetProperty("bleu").GetDouble(), 0, 100);
        Assert.InRange(json.GetProperty("bleu_one_by_one").GetDouble(), 0, 100);
        Assert.True(json.GetProperty("length_ratio_one_by_one").GetDouble() > 0, stdout); // something was written
        Assert.True(json.TryGetProperty("ratio", out _));
        // The numbers check over the sources, the translations and the references (NumberCheckTests has the rules).
        Assert.True(json.GetProperty("numbers").GetInt32() >= 0, stdout);
        Assert.InRange(json.GetProperty("numbers_missing").GetDouble(), 0, 100);
        Assert.InRange(json.GetProperty("numbers_restored").GetDouble(), 0, 100);
        Assert.InRange(json.GetProperty("restored_numbers_in_reference").GetDouble(), 0, 100);
        Assert.InRange(json.GetProperty("reference_numbers_missing").GetDouble(), 0, 100);
    }

    [Fact]
    public async Task PredictFailuresAreOneLineNamingTheCulprit()
    {
        var missing = Path.Combine(tiny.Root, "no-bundle");
        var good = Path.Combine(tiny.Root, "good.txt");
        File.WriteAllText(good, "fine\n");
        var (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "predict",
            "--bundle",
            missing,
            "--task",
            "sentiment",
            "--input",
            good,
            "--output",
            Path.Combine(tiny.Root, "x.jsonl")
        );
        Assert.Equal(1, exitCode);
        Assert.Contains(missing, error);
        Assert.Single(error.TrimEnd().Split('\n'));

        var bad = Path.Combine(tiny.Root, "bad.jsonl");
        File.WriteAllText(bad, "{\"id\":\"1\",\"text\":\"ok\"}\n{\"id\":\"2\",\"text\":\n");
        (exitCode, _, error) = await Predict("sentiment", bad, Path.Combine(tiny.Root, "y.jsonl"));
        Assert.Equal(1, exitCode);
        Assert.Contains($"{bad}, line 2: malformed JSON", error);
        Assert.Single(error.TrimEnd().Split('\n')); // checked before the bundle loads: no log lines either
        Assert.False(File.Exists(Path.Combine(tiny.Root, "y.jsonl")));

        var empty = Path.Combine(tiny.Root, "empty.txt");
        File.WriteAllText(empty, "");
        (exitCode, _, error) = await Predict("sentiment", empty, Path.Combine(tiny.Root, "z.jsonl"));
        Assert.Equal(1, exitCode);
        Assert.Contains($"{empty}: empty input", error);
    }

    [Theory]
    [InlineData("sentiment", new[] { "accuracy", "macro_f1" })]
    [InlineData(
        "summarize",
        new[] { "rouge1", "rouge2", "rougeL", "words_in_source", "novel_bigrams", "reference_novel_bigrams" }
    )]
    [InlineData("translate", new[] { "bleu", "length_ratio" })]
    public async Task EvalPrintsOnlyMetricsJsonOnStdout(string task, string[] metrics)
    {
        string[] data = task switch
        {
            "sentiment" => ["--data", Sample("sentiment.tsv")],
            "summarize" => ["--data", Sample("summarize.jsonl")],
            _ => ["--data", Sample("translate.en"), "--target", Sample("translate.de")],
        };
        var (exitCode, stdout, error) = await CommandLineRunner.RunAsync([
            "eval",
            "--bundle",
            tiny.Bundle,
            "--task",
            task,
            .. data,
            "--max-examples",
            "12",
        ]);
        Assert.True(exitCode == 0, error);
        var json = JsonDocument.Parse(stdout).RootElement; // the whole of stdout is one JSON object
        Assert.Equal(12, json.GetProperty("examples").GetInt32());
        Assert.Equal("fp32", json.GetProperty("graphs").GetString()); // the tiny bundle has no int8 graphs
        foreach (var metric in metrics)
            Assert.InRange(json.GetProperty(metric).GetDouble(), 0, 100);
    }

    [Fact]
    public async Task SalienceFitsARankerIntoTheBundleThatRankedSummariesThenUse()
    {
        var bundle = CopyOfTinyBundle("ranked-bundle");
        var (exitCode, stdout, error) = await Salience(bundle);
        Assert.True(exitCode == 0, error);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(12, report.GetProperty("validation_documents").GetInt32());
        Assert.InRange(report.GetProperty("validation_ranked")[0].GetDouble(), 0, 100);
        Assert.True(File.Exists(Path.Combine(bundle, "salience.json")));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json"))).RootElement;
        Assert.Equal("salience.json", manifest.GetProperty("salience").GetProperty("file").GetString());

        var output = Path.Combine(tiny.Root, "ranked.jsonl");
        var input = Path.Combine(tiny.Root, "ranked-input.txt");
        File.WriteAllLines(
            input,
            ["However, one short claim. To this end, a second sentence follows it. Finally, a third one ends it."]
        );
        Task<(int, string, string)> Ranked(string bundleDirectory, params string[] more) =>
            CommandLineRunner.RunAsync([
                "predict",
                "--bundle",
                bundleDirectory,
                "--task",
                "summarize",
                "--summary-style",
                "Ranked",
                "--input",
                input,
                "--output",
                output,
                .. more,
            ]);
        (exitCode, _, error) = await Ranked(bundle);
        Assert.True(exitCode == 0, error);
        var line = JsonDocument.Parse(File.ReadAllLines(output)[0]).RootElement;
        // The summary is the ranked sentence without its opening connective, or verbatim when asked.
        string[] trimmed = ["One short claim.", "A second sentence follows it.", "A third one ends it."];
        Assert.Equal(trimmed[line.GetProperty("extracted").GetInt32()], line.GetProperty("summary").GetString());
        (exitCode, _, error) = await Ranked(bundle, "--trim-summary-opening", "false");
        Assert.True(exitCode == 0, error);
        line = JsonDocument.Parse(File.ReadAllLines(output)[0]).RootElement;
        string[] verbatim =
        [
            "However, one short claim.",
            "To this end, a second sentence follows it.",
            "Finally, a third one ends it.",
        ];
        Assert.Equal(verbatim[line.GetProperty("extracted").GetInt32()], line.GetProperty("summary").GetString());

        // Without a ranker, Ranked is refused with what to run.
        (exitCode, _, error) = await Ranked(tiny.Bundle);
        Assert.Equal(1, exitCode);
        Assert.Contains("nlpmtl salience", error);
    }

    /// <summary><c>nlpmtl salience</c> on <paramref name="bundle"/>, fitted and validated on the summarize
    /// sample.</summary>
    static Task<(int ExitCode, string Out, string Error)> Salience(string bundle) =>
        CommandLineRunner.RunAsync(
            "salience",
            "--bundle",
            bundle,
            "--data",
            Sample("summarize.jsonl"),
            "--validation",
            Sample("summarize.jsonl")
        );

    /// <summary>A copy of the tiny bundle that a test may write into.</summary>
    string CopyOfTinyBundle(string name)
    {
        var bundle = Path.Combine(tiny.Root, name);
        foreach (var file in Directory.GetFiles(tiny.Bundle, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(bundle, Path.GetRelativePath(tiny.Bundle, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }
        return bundle;
    }

    [Fact]
    public async Task SalienceKeepsTheSummarizersTrainedSentenceClassifierAndOnlyReports()
    {
        var bundle = CopyOfTinyBundle("trained-ranker-bundle");
        var hidden = BundleManifest.Load(bundle).Encoder.HiddenSize;
        LearnedSalienceScorer
            .FromTrainedHead([.. Enumerable.Range(0, hidden).Select(k => k % 3 - 1f)])
            .SaveInto(bundle, new SalienceManifest { TrainedWithModel = true });
        var ranker = File.ReadAllText(Path.Combine(bundle, LearnedSalienceScorer.FileName));

        var (exitCode, stdout, error) = await Salience(bundle);
        Assert.True(exitCode == 0, error);
        Assert.Contains("kept, not fitted", error);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("trained_with_model", report.GetProperty("kept").GetString());
        Assert.InRange(report.GetProperty("validation_ranked")[0].GetDouble(), 0, 100);
        Assert.False(report.TryGetProperty("held_out_rouge", out _));
        Assert.Equal(ranker, File.ReadAllText(Path.Combine(bundle, LearnedSalienceScorer.FileName)));
    }

    /// <summary>A tiny encoder (MiniLM vocabulary) with untrained heads, exported by the export verb.</summary>
    public sealed class TinyBundle : IAsyncLifetime
    {
        public string Root { get; } = Scratch.CreateDirectory("nlpmtl-predict-").FullName;
        public string Bundle => Path.Combine(Root, "bundle");

        public async Task InitializeAsync()
        {
            var tokenizers = Path.Combine(AppContext.BaseDirectory, "tokenizers");
            manual_seed(7);
            var heads = ThreeHeadCheckpoint.Heads(["0", "1"], copySummaries: false);
            heads = heads with { Summarize = heads.Summarize! with { MaxSourceLength = 96 } };
            var checkpoint = Path.Combine(Root, "checkpoint");
            using (
                var model = new MultiTaskModel(
                    new BertModel(
                        BertConfig.Tiny with
                        {
                            VocabSize = 30522,
                            MaxPositionEmbeddings = 128,
                            TypeVocabSize = 2,
                        }
                    ),
                    heads
                )
            )
                ThreeHeadCheckpoint.Save(model, checkpoint, Path.Combine(tokenizers, "all-MiniLM-L6-v2"));
            var (exitCode, _, error) = await CommandLineRunner.RunAsync(
                "export",
                "--checkpoint",
                checkpoint,
                "--out",
                Bundle
            );
            if (exitCode != 0)
                throw new InvalidOperationException($"exporting the test bundle failed: {error}");
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        }
    }
}
