using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

[Trait("Category", "Integration")]
public class PretrainedCommandTests
{
    [Fact]
    public async Task WritesTheHfCheckpointDirectory()
    {
        var directory = Path.Combine(Scratch.CreateDirectory("nlpmtl-cli-").FullName, "minilm");
        try
        {
            var (exitCode, output, error) = await CommandLineRunner.RunAsync("pretrained", "--out", directory);

            Assert.True(exitCode == 0, error);
            Assert.Contains("Wrote 103 tensors", output);
            Assert.Equal(
                ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"],
                Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            );
            var config = File.ReadAllText(Path.Combine(directory, "config.json"));
            Assert.Contains("\"model_type\": \"bert\"", config);
            Assert.Contains("\"hidden_size\": 384", config);
            Assert.Contains("\"layer_norm_eps\": 1E-12", config);
            Assert.Contains(
                "\"do_lower_case\": true",
                File.ReadAllText(Path.Combine(directory, "tokenizer_config.json"))
            );
            // The checkpoint's tokenizer.json is HF's uncased BERT pipeline over the same vocabulary.
            var tokenizer = NlpMtl.Core.Tokenization.TokenizerJson.Read(Path.Combine(directory, "tokenizer.json"));
            Assert.True(tokenizer.Settings.Lowercase);
            Assert.Null(tokenizer.Settings.StripAccents);
            Assert.Equal(30522, tokenizer.Vocabulary.Count);

            var input = Path.Combine(directory, "..", "docs.txt");
            var tokens = Path.Combine(directory, "..", "tokens.jsonl");
            File.WriteAllText(input, "İzmir\n");
            var tokenize = await CommandLineRunner.RunAsync(
                "tokenize",
                "--tokenizer",
                directory,
                "--input",
                input,
                "--output",
                tokens
            );
            Assert.True(tokenize.ExitCode == 0, tokenize.Error);
            Assert.Equal(
                """{"id":"1","ids":[101,1045,2480,14503,102],"tokens":["[CLS]","i","##z","##mir","[SEP]"]}""",
                File.ReadAllText(tokens).Trim()
            );
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }

    [Fact]
    public async Task MissingOutOptionFailsWithAReason()
    {
        var (exitCode, _, error) = await CommandLineRunner.RunAsync("pretrained");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--out", error);
    }

    [Fact]
    public async Task UnwritableOutputFailsWithOneLine()
    {
        var blocker = Path.GetTempFileName(); // a file where a directory should go
        try
        {
            var (exitCode, _, error) = await CommandLineRunner.RunAsync(
                "pretrained",
                "--out",
                Path.Combine(blocker, "minilm")
            );

            Assert.Equal(1, exitCode);
            Assert.StartsWith("nlpmtl: ", error);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(blocker);
        }
    }
}
