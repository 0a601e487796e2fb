using System.Text.Json;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.TestSupport;
using static TorchSharp.torch;

namespace NlpMtl.Worker.Tests;

/// <summary><c>nlpmtl export</c> on a checkpoint trained by <c>nlpmtl train</c> for a few steps (tiny encoder, all
/// three heads).</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class ExportCommandTests : IClassFixture<ExportCommandTests.TrainedCheckpoint>
{
    readonly TrainedCheckpoint trained;

    public ExportCommandTests(TrainedCheckpoint trained) => this.trained = trained;

    [Fact]
    public async Task ExportOfAShortTrainedCheckpointWritesAManifestWithParityAndInt8Variants()
    {
        var bundle = Path.Combine(trained.Root, "bundle");
        var sentiment = Path.Combine(AppContext.BaseDirectory, "samples", "sentiment.tsv");
        var (exitCode, output, error) = await Export(
            bundle,
            "--quantize",
            "int8",
            "--validation-sentiment",
            sentiment,
            "--salience-data",
            Path.Combine(AppContext.BaseDirectory, "samples", "summarize.jsonl")
        );

        Assert.True(exitCode == 0, error);
        Assert.Contains("parity on", output);
        Assert.Contains("Sentence ranker fitted on", output);
        var manifest = BundleManifest.Load(bundle);
        Assert.Equal(["sentiment", "summarize", "translate"], manifest.Tasks);
        Assert.True(manifest.Parity.Inputs >= 16);
        Assert.InRange(manifest.Parity.EncoderHiddenMaxAbs, 0, 1e-4);
        Assert.Equal(["summarize", "translate"], manifest.Parity.Decoders.Keys.Order());
        Assert.All(manifest.Parity.Decoders.Values, d => Assert.InRange(d.GreedyIdenticalFraction, 0.95, 1));
        Assert.True(File.Exists(Path.Combine(bundle, BundleNames.CrossFile("translate"))));
        var quantization = manifest.Quantization!;
        Assert.Equal(5, quantization.Files.Count); // encoder, and cross + step for both decoders
        Assert.All(quantization.Files.Values, file => Assert.True(File.Exists(Path.Combine(bundle, file)), file));
        var accuracy = quantization.Metrics["sentiment_accuracy"];
        Assert.Equal(48, accuracy.Examples);
        // how many labels int8 left as fp32 gave them: all of them, or the accuracies may differ
        Assert.InRange(accuracy.Identical!.Value, 0, 100);
        if (accuracy.Identical == 100)
            Assert.Equal(accuracy.Fp32, accuracy.Int8);
        Assert.Contains("% of outputs identical", output);
        Assert.Equal("int8-dynamic-per-column (DynamicQuantizeMatMul)", quantization.Kind);
        Assert.Equal(12, manifest.Salience!.Documents);
        Assert.True(File.Exists(Path.Combine(bundle, manifest.Salience.File)));
    }

    [Fact]
    public async Task Int8ExcludeFfnOutputIsRecordedInTheManifest()
    {
        var bundle = Path.Combine(trained.Root, "ffn-output");
        var (exitCode, _, error) = await Export(bundle, "--quantize", "int8", "--int8-exclude", "ffn-output");

        Assert.True(exitCode == 0, error);
        var manifest = BundleManifest.Load(bundle);
        Assert.Equal(
            "int8-dynamic-per-column (DynamicQuantizeMatMul, feed-forward output fp32)",
            manifest.Quantization!.Kind
        );
        // Which MatMuls stay fp32: Int8QuantizerTests, on the full-size encoder (this one's are too small to quantize).
    }

    [Fact]
    public async Task Int8ExcludeWithoutInt8GraphsIsRejectedNamingTheOption()
    {
        var bundle = Path.Combine(trained.Root, "no-int8");
        var (exitCode, _, error) = await Export(bundle, "--int8-exclude", "ffn-output");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--int8-exclude", error);
        Assert.Contains("--quantize int8", error);
        Assert.False(Directory.Exists(bundle));
    }

    [Fact]
    public async Task UnknownQuantizationIsRejected()
    {
        var (exitCode, _, error) = await Export(Path.Combine(trained.Root, "q"), "--quantize", "int4");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("int4", error);
    }

    /// <summary><c>nlpmtl export</c> of the trained checkpoint into <paramref name="bundle"/>, with more
    /// arguments.</summary>
    Task<(int ExitCode, string Out, string Error)> Export(string bundle, params string[] arguments) =>
        CommandLineRunner.RunAsync(["export", "--checkpoint", trained.Checkpoint, "--out", bundle, .. arguments]);

    [Fact]
    public async Task CorruptedCheckpointFailsWithOneLineNamingTheFile()
    {
        var broken = Path.Combine(trained.Root, "broken");
        Directory.CreateDirectory(broken);
        foreach (var file in Directory.GetFiles(trained.Checkpoint))
            File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        var weights = Path.Combine(broken, CheckpointFiles.Safetensors);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]); // truncated, as by an interrupted copy
        var bundle = Path.Combine(trained.Root, "never");

        var (exitCode, _, error) = await CommandLineRunner.RunAsync("export", "--checkpoint", broken, "--out", bundle);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(weights, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(bundle));
    }

    [Fact]
    public async Task RunFolderExportsItsBestAndPredictionsCarryLabelNames()
    {
        var bundle = Path.Combine(trained.Root, "named");
        var (exitCode, output, error) = await CommandLineRunner.RunAsync(
            "export",
            "--checkpoint",
            trained.Run,
            "--out",
            bundle
        );
        Assert.True(exitCode == 0, error);
        Assert.Contains($"exporting its best checkpoint, {Path.Combine(trained.Run, "best")}", output);
        var manifest = BundleManifest.Load(bundle);
        Assert.Equal(["negative", "positive"], manifest.Sentiment!.Labels);

        var input = Path.Combine(trained.Root, "reviews.txt");
        File.WriteAllLines(input, ["a warm , funny film", "the worst two hours of my life"]);
        var predictions = Path.Combine(trained.Root, "named.jsonl");
        (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "predict",
            "--bundle",
            bundle,
            "--task",
            "sentiment",
            "--input",
            input,
            "--output",
            predictions
        );
        Assert.True(exitCode == 0, error);
        Assert.All(File.ReadAllLines(predictions), line =>
            Assert.Contains(
                JsonDocument.Parse(line).RootElement.GetProperty("label").GetString(),
                new[] { "negative", "positive" }
            )
        );

        // The samples' gold labels are raw (0/1): eval reads them through the bundle's label names.
        var sentiment = Path.Combine(AppContext.BaseDirectory, "samples", "sentiment.tsv");
        string stdout;
        (exitCode, stdout, error) = await CommandLineRunner.RunAsync(
            "eval",
            "--bundle",
            bundle,
            "--task",
            "sentiment",
            "--data",
            sentiment
        );
        Assert.True(exitCode == 0, error);
        var accuracy = JsonDocument.Parse(stdout).RootElement.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy > 0, $"accuracy {accuracy}: gold labels were not mapped to the head's names");
    }

    [Fact]
    public async Task PlainHfCheckpointBecomesAnEncoderOnlyBundle()
    {
        var bundle = Path.Combine(trained.Root, "encoder-only");
        var (exitCode, output, error) = await CommandLineRunner.RunAsync(
            "export",
            "--checkpoint",
            trained.Encoder,
            "--out",
            bundle
        );
        Assert.True(exitCode == 0, error);
        Assert.Contains("the encoder only", output);
        var manifest = BundleManifest.Load(bundle);
        Assert.Empty(manifest.Tasks);
        Assert.InRange(manifest.Parity.EncoderHiddenMaxAbs, 0, 1e-4);
        Assert.True(File.Exists(Path.Combine(bundle, "tokenizer.json")));

        var input = Path.Combine(trained.Root, "one.txt");
        File.WriteAllText(input, "hello\n");
        (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "predict",
            "--bundle",
            bundle,
            "--task",
            "sentiment",
            "--input",
            input,
            "--output",
            Path.Combine(trained.Root, "none.jsonl")
        );
        Assert.Equal(1, exitCode);
        Assert.Contains("encoder-only", error);
    }

    [Fact]
    public async Task ZeroStepsWritesTheBaseEncoderWithUntrainedHeads()
    {
        var run = Path.Combine(trained.Root, "zero");
        var (exitCode, output, error) = await CommandLineRunner.RunAsync(
            "train",
            "--config",
            trained.Config,
            "--out",
            run,
            "--max-steps",
            "0"
        );
        Assert.True(exitCode == 0, error);
        Assert.Contains("untrained heads", output);
        Assert.True(File.Exists(Path.Combine(run, "best", "heads.json")));
        Assert.True(
            File.Exists(Path.Combine(run, "best", "tokenizer.json"))
                || File.Exists(Path.Combine(run, "best", "vocab.txt"))
        );
    }

    [Fact]
    public async Task RunThatFailsBeforeItsFirstStepLeavesNoOutputFolder()
    {
        var config = Path.Combine(trained.Root, "missing-data.json");
        File.WriteAllText(
            config,
            File.ReadAllText(trained.Config).Replace("sentiment.tsv", "no-such-file.tsv", StringComparison.Ordinal)
        );
        var run = Path.Combine(trained.Root, "never-started");
        var (exitCode, _, error) = await CommandLineRunner.RunAsync("train", "--config", config, "--out", run);
        Assert.Equal(1, exitCode);
        Assert.Contains("no-such-file.tsv", error);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public async Task MissingCheckpointFailsNamingTheDirectory()
    {
        var missing = Path.Combine(trained.Root, "no-such-checkpoint");
        var (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "export",
            "--checkpoint",
            missing,
            "--out",
            Path.Combine(trained.Root, "x")
        );
        Assert.Equal(1, exitCode);
        Assert.Contains(missing, error);
    }

    /// <summary>A tiny encoder (MiniLM's vocabulary, HF tester sizes) trained 4 steps on the shipped samples with all
    /// three heads.</summary>
    public sealed class TrainedCheckpoint : IAsyncLifetime
    {
        public string Root { get; } = Scratch.CreateDirectory("nlpmtl-export-").FullName;
        public string Checkpoint => Path.Combine(Root, "run", "last");
        public string Run => Path.Combine(Root, "run");
        public string Encoder => Path.Combine(Root, "encoder");
        public string Config => Path.Combine(Root, "train.json");

        public async Task InitializeAsync()
        {
            var output = AppContext.BaseDirectory;
            string Sample(string file) => Path.Combine(output, "samples", file);
            var encoder = Path.Combine(Root, "encoder");
            manual_seed(3);
            using (
                var model = new BertModel(
                    BertConfig.Tiny with
                    {
                        VocabSize = 30522,
                        MaxPositionEmbeddings = 128,
                        TypeVocabSize = 2,
                    }
                )
            )
                BertCheckpoint.Save(model, encoder);
            File.Copy(
                Path.Combine(output, "tokenizers", "all-MiniLM-L6-v2", "vocab.txt"),
                Path.Combine(encoder, "vocab.txt")
            );
            var config = new
            {
                base_model = encoder,
                tasks = new Dictionary<string, object>
                {
                    ["sentiment"] = new
                    {
                        train = Sample("sentiment.tsv"),
                        batch_size = 8,
                        max_source_length = 32,
                        label_names = new Dictionary<string, string> { ["0"] = "negative", ["1"] = "positive" },
                    },
                    ["summarize"] = new
                    {
                        train = Sample("summarize.jsonl"),
                        batch_size = 4,
                        max_source_length = 64,
                        max_target_length = 16,
                        decoder_layers = 1,
                    },
                    ["translate"] = new
                    {
                        train = Sample("translate.en"),
                        train_target = Sample("translate.de"),
                        vocabulary = "target",
                        target_tokenizer = Path.Combine(output, "tokenizers", "multi30k-de"),
                        batch_size = 8,
                        max_source_length = 32,
                        max_target_length = 16,
                        decoder_layers = 1,
                    },
                },
                evaluation = new
                {
                    every_steps = 4,
                    max_examples = 4,
                    final = false,
                },
                max_steps = 4,
                threads = 2,
                precision = "fp32",
            };
            var path = Path.Combine(Root, "train.json");
            File.WriteAllText(path, JsonSerializer.Serialize(config));
            var (exitCode, _, error) = await CommandLineRunner.RunAsync(
                "train",
                "--config",
                path,
                "--out",
                Path.Combine(Root, "run")
            );
            if (exitCode != 0)
                throw new InvalidOperationException($"training the test checkpoint failed: {error}");
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        }
    }
}
