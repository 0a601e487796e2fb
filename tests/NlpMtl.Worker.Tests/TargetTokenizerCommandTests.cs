using NlpMtl.Core.Tokenization;
using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

[Trait("Category", "Integration")]
public class TargetTokenizerCommandTests
{
    [Fact]
    public async Task BuildsOneVocabularyFromSeveralTargetFiles()
    {
        var root = Scratch.CreateDirectory("target-tokenizer").FullName;
        var (captions, everyday) = (Path.Combine(root, "captions.de"), Path.Combine(root, "everyday.de"));
        File.WriteAllLines(captions, ["Ein Hund läuft im Schnee.", "Zwei Männer spielen Fußball."]);
        File.WriteAllLines(everyday, ["Ich vermisse nie die Arbeit.", "Affen sind eng mit Menschen verwandt."]);
        var output = Path.Combine(root, "vocabulary");

        var (exitCode, stdout, error) = await CommandLineRunner.RunAsync(
            "target-tokenizer",
            "--targets",
            captions,
            everyday,
            "--out",
            output,
            "--min-count",
            "1"
        );

        Assert.True(exitCode == 0, error);
        Assert.Contains("(4 lines,", stdout);
        Assert.Contains("0 round-trip failures", stdout);
        var tokenizer = TargetTokenizer.Load(output);
        // Words of both files are whole kept tokens, not byte fallbacks.
        foreach (var word in new[] { " Schnee", " Menschen" })
            Assert.All(tokenizer.Encode(word), id =>
                Assert.True(id >= TargetTokenizer.FirstTokenId, $"'{word}' spelt in bytes")
            );
    }

    [Fact]
    public async Task AMissingTargetsFileIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.de");

        var (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "target-tokenizer",
            "--targets",
            missing,
            "--out",
            Path.GetTempPath()
        );

        Assert.Equal(1, exitCode);
        Assert.Contains($"{missing}: training targets not found", error);
    }
}
