using System.Text.Json;
using NlpMtl.Inference.Files;
using NlpMtl.TestSupport;
using Xunit.Abstractions;

namespace NlpMtl.Inference.Tests;

/// <summary><c>nlpmtl predict</c>'s file path through the engine, on the tiny bundle: volume, order, bad
/// input.</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class PredictionFileTests(BundleFixture fixture, ITestOutputHelper output)
{
    static readonly string[] Words = (
        "the a film movie was great terrible not really quite an utterly charming plot acting story ein Mann Frau "
        + "fährt Hund spielt im Park and but"
    ).Split(' ');

    /// <summary>1,000 documents from empty to about 600 words (far past every limit), in shuffled lengths.</summary>
    static List<string> MixedDocuments(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable
            .Range(0, count)
            .Select(i =>
            {
                var words = i % 50 == 0 ? random.Next(0, 600) : random.Next(0, 40) * (random.Next(4) == 0 ? 6 : 1);
                return string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
            })
            .ToList();
    }

    [Theory]
    [InlineData("sentiment")]
    [InlineData("summarize")]
    [InlineData("translate")]
    public void ThousandMixedLengthDocumentsGiveOneLinePerInputInOrder(string task)
    {
        var directory = Scratch.CreateDirectory("nlpmtl-predict-").FullName;
        var documents = MixedDocuments(1000, seed: task.Length);
        var input = Path.Combine(directory, "input.jsonl");
        File.WriteAllLines(
            input,
            documents.Select((text, i) => JsonSerializer.Serialize(new { id = $"doc-{i + 1}", text }))
        );
        var outputPath = Path.Combine(directory, "out", "predictions.jsonl");
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, tasks: [task]);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1000, PredictionFile.Run(engine, task, input, outputPath));
        output.WriteLine($"{task}: 1,000 documents in {watch.Elapsed.TotalSeconds:F1} s");

        var lines = File.ReadAllLines(outputPath);
        Assert.Equal(1000, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal($"doc-{i + 1}", root.GetProperty("id").GetString());
            Assert.Equal(task, root.GetProperty("task").GetString());
            switch (task)
            {
                case "sentiment":
                    Assert.Contains(root.GetProperty("label").GetString(), new[] { "negative", "positive" });
                    Assert.InRange(root.GetProperty("score").GetDouble(), 0.5, 1.0);
                    break;
                case "summarize":
                    Assert.Equal(JsonValueKind.String, root.GetProperty("summary").ValueKind);
                    Assert.DoesNotContain("##", root.GetProperty("summary").GetString());
                    break;
                default:
                    Assert.Equal(JsonValueKind.String, root.GetProperty("translation").ValueKind);
                    break;
            }
        }
        Assert.False(File.Exists(outputPath + ".partial"));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void TextFileIdsAreLineNumbersAndBlankLinesStillGetALine()
    {
        var directory = Scratch.CreateDirectory("nlpmtl-predict-").FullName;
        var input = Path.Combine(directory, "docs.txt");
        File.WriteAllText(input, "a charming film\n\nnot really great\r\nthe plot\n");
        var outputPath = Path.Combine(directory, "out.jsonl");
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, tasks: ["sentiment"]);
        Assert.Equal(4, PredictionFile.Run(engine, "sentiment", input, outputPath));
        Assert.Equal(
            ["1", "2", "3", "4"],
            File.ReadAllLines(outputPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString())
        );
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(
        "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"ok\"}\n{\"id\":\"c\",\"text\":\"broken\"\n",
        "input.jsonl, line 3: malformed JSON"
    )]
    [InlineData("{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\"}\n", "input.jsonl, line 2, field 'text': missing")]
    [InlineData("{\"id\":\"a\",\"text\":7}\n", "input.jsonl, line 1, field 'text': expected a string")]
    [InlineData("", "input.jsonl: empty input, no documents")]
    public void BadInputFailsNamingFileAndLineAndWritesNothing(string content, string expected)
    {
        var directory = Scratch.CreateDirectory("nlpmtl-predict-").FullName;
        var input = Path.Combine(directory, "input.jsonl");
        File.WriteAllText(input, content);
        var outputPath = Path.Combine(directory, "out.jsonl");
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, tasks: ["sentiment"]);
        var error = Assert.Throws<InvalidDataException>(() =>
            PredictionFile.Run(engine, "sentiment", input, outputPath)
        );
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(File.Exists(outputPath));
        Directory.Delete(directory, recursive: true);
    }
}
