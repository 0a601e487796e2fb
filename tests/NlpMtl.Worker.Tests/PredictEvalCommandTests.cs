using System.Text.Json;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Worker.Tests;

/// <summary><c>nlpmtl predict</c> and <c>nlpmtl eval</c> on a tiny three-head bundle made with <c>nlpmtl export</c>.</summary>
[Collection(TorchCollection.Name)] // the fixture builds the model in TorchSharp
public partial class PredictEvalCommandTests(PredictEvalCommandTests.TinyBundle tiny) : IClassFixture<PredictEvalCommandTests.TinyBundle>
{
    static string Sample(string file) => Path.Combine(AppContext.BaseDirectory, "samples", file);

    [Fact]
    public async Task PredictWritesOneLinePerInputInOrder()
    {
        var input = Path.Combine(tiny.Root, "docs.txt");
        File.WriteAllLines(input, ["a warm , funny film", "", "the worst two hours of my life", "ein Mann fährt Fahrrad ."]);
        foreach (var task in new[] { "sentiment", "summarize", "translate" })
        {
            var output = Path.Combine(tiny.Root, $"{task}.jsonl");
            var (exitCode, stdout, error) = await CommandLineRunner.RunAsync("predict", "--bundle", tiny.Bundle, "--task", task, "--input", input, "--output", output);
            Assert.True(exitCode == 0, error);
            Assert.Contains("Predicted 4 documents", stdout);
            var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(["1", "2", "3", "4"], lines.Select(l => l.GetProperty("id").GetString()));
            Assert.All(lines, l => Assert.Equal(task, l.GetProperty("task").GetString()));
            var field = task switch { "sentiment" => "label", "summarize" => "summary", _ => "translation" };
            Assert.All(lines, l => Assert.Equal(JsonValueKind.String, l.GetProperty(field).ValueKind));
        }
    }

    [Fact]
    public async Task PredictFailuresAreOneLineNamingTheCulprit()
    {
        var missing = Path.Combine(tiny.Root, "no-bundle");
        var good = Path.Combine(tiny.Root, "good.txt");
        File.WriteAllText(good, "fine\n");
        var (exitCode, _, error) = await CommandLineRunner.RunAsync("predict", "--bundle", missing, "--task", "sentiment", "--input", good, "--output", Path.Combine(tiny.Root, "x.jsonl"));
        Assert.Equal(1, exitCode);
        Assert.Contains(missing, error);
        Assert.Single(error.TrimEnd().Split('\n'));

        var bad = Path.Combine(tiny.Root, "bad.jsonl");
        File.WriteAllText(bad, "{\"id\":\"1\",\"text\":\"ok\"}\n{\"id\":\"2\",\"text\":\n");
        (exitCode, _, error) = await CommandLineRunner.RunAsync("predict", "--bundle", tiny.Bundle, "--task", "sentiment", "--input", bad, "--output", Path.Combine(tiny.Root, "y.jsonl"));
        Assert.Equal(1, exitCode);
        Assert.Contains($"{bad}, line 2: malformed JSON", error);
        Assert.Single(error.TrimEnd().Split('\n')); // checked before the bundle loads: no log lines either
        Assert.False(File.Exists(Path.Combine(tiny.Root, "y.jsonl")));

        var empty = Path.Combine(tiny.Root, "empty.txt");
        File.WriteAllText(empty, "");
        (exitCode, _, error) = await CommandLineRunner.RunAsync("predict", "--bundle", tiny.Bundle, "--task", "sentiment", "--input", empty, "--output", Path.Combine(tiny.Root, "z.jsonl"));
        Assert.Equal(1, exitCode);
        Assert.Contains($"{empty}: empty input", error);
    }

    [Theory]
    [InlineData("sentiment", new[] { "accuracy", "macro_f1" })]
    [InlineData("summarize", new[] { "rouge1", "rouge2", "rougeL" })]
    [InlineData("translate", new[] { "bleu" })]
    public async Task EvalPrintsOnlyMetricsJsonOnStdout(string task, string[] metrics)
    {
        string[] data = task switch
        {
            "sentiment" => ["--data", Sample("sentiment.tsv")],
            "summarize" => ["--data", Sample("summarize.jsonl")],
            _ => ["--data", Sample("translate.en"), "--target", Sample("translate.de")],
        };
        var (exitCode, stdout, error) = await CommandLineRunner.RunAsync(["eval", "--bundle", tiny.Bundle, "--task", task, .. data, "--max-examples", "12"]);
        Assert.True(exitCode == 0, error);
        var json = JsonDocument.Parse(stdout).RootElement; // the whole of stdout is one JSON object
        Assert.Equal(12, json.GetProperty("examples").GetInt32());
        Assert.Equal("fp32", json.GetProperty("graphs").GetString()); // the tiny bundle has no int8 graphs
        foreach (var metric in metrics) Assert.InRange(json.GetProperty(metric).GetDouble(), 0, 100);
    }

    /// <summary>A tiny encoder (MiniLM vocabulary) with untrained heads, exported by the export verb.</summary>
    public sealed class TinyBundle : IAsyncLifetime
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("nlpmtl-predict-").FullName;
        public string Bundle => Path.Combine(Root, "bundle");

        public async Task InitializeAsync()
        {
            var tokenizers = Path.Combine(AppContext.BaseDirectory, "tokenizers");
            manual_seed(7);
            var heads = new MultiTaskConfig
            {
                Sentiment = new SentimentHeadConfig { Labels = ["0", "1"] },
                Summarize = new DecoderHeadConfig { Layers = 1, VocabSize = 30522, PadId = 0, BosId = 101, EosId = 102, MaxSourceLength = 96, MaxTargetLength = 8, NumBeams = 2 },
                Translate = new DecoderHeadConfig
                {
                    Layers = 1, Vocabulary = "target", VocabSize = 6120, TargetTokenizerDirectory = "translate_tokenizer",
                    PadId = 0, BosId = 1, EosId = 2, MaxSourceLength = 48, MaxTargetLength = 8, NumBeams = 2,
                },
            };
            var checkpoint = Path.Combine(Root, "checkpoint");
            using (var model = new MultiTaskModel(new BertModel(BertConfig.Tiny with { VocabSize = 30522, MaxPositionEmbeddings = 128, TypeVocabSize = 2 }), heads))
                MultiTaskCheckpoint.Save(model, checkpoint, Path.Combine(tokenizers, "all-MiniLM-L6-v2"),
                    new Dictionary<string, string> { ["translate"] = Path.Combine(tokenizers, "multi30k-de") });
            var (exitCode, _, error) = await CommandLineRunner.RunAsync("export", "--checkpoint", checkpoint, "--out", Bundle);
            if (exitCode != 0) throw new InvalidOperationException($"exporting the test bundle failed: {error}");
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        }
    }
}
