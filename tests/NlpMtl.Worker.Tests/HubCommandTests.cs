using System.Text.Json;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.TestSupport;
using static TorchSharp.torch;

namespace NlpMtl.Worker.Tests;

/// <summary> <c>pretrained --model</c> and <c>"base_model": "ORG/NAME"</c> against a local server speaking the Hub's
/// API, with the environment variables users set (HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE). In the TorchSharp collection:
/// it trains, and it changes process-wide variables that only the Hub code reads. </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HubCommandTests : IDisposable
{
    const string Repo = "tiny-org/tiny-bert";
    static readonly string[] Variables = ["HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN"];
    readonly Dictionary<string, string?> saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    readonly string root = Scratch.CreateDirectory("nlpmtl-hubcli-").FullName;

    public HubCommandTests()
    {
        foreach (var variable in Variables)
            Environment.SetEnvironmentVariable(variable, null);
        Environment.SetEnvironmentVariable("HF_HOME", Path.Combine(root, "hf"));
    }

    public void Dispose()
    {
        foreach (var (variable, value) in saved)
            Environment.SetEnvironmentVariable(variable, value);
        Directory.Delete(root, recursive: true);
    }

    /// <summary>A Tiny BERT checkpoint with MiniLM's vocabulary, as a repository's files.</summary>
    static Dictionary<string, byte[]> TinyBertRepository(string directory)
    {
        manual_seed(11);
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
            BertCheckpoint.Save(model, directory);
        File.Copy(
            Path.Combine(AppContext.BaseDirectory, "tokenizers", "all-MiniLM-L6-v2", "vocab.txt"),
            Path.Combine(directory, "vocab.txt")
        );
        return Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    [Fact]
    public async Task PretrainedFromTheHubThenTrainingOnItOffline()
    {
        Dictionary<string, byte[]> files;
        var output = Path.Combine(root, "checkpoint");
        using (var server = new HubTestServer(Repo, TinyBertRepository(Path.Combine(root, "source"))))
        {
            files = server.Files.ToDictionary();
            Environment.SetEnvironmentVariable("HF_ENDPOINT", server.Endpoint.AbsoluteUri);

            var (exitCode, stdout, error) = await CommandLineRunner.RunAsync(
                "pretrained",
                "--model",
                Repo,
                "--out",
                output
            );

            Assert.True(exitCode == 0, error);
            Assert.Contains($"Wrote {Repo} ({server.Commit})", stdout);
        }
        Assert.Equal(
            files.Keys.Order(StringComparer.Ordinal),
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
        Assert.All(files, p => Assert.Equal(p.Value, File.ReadAllBytes(Path.Combine(output, p.Key))));

        // The server is gone: offline, the trainer finds the model in the cache by its id.
        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");
        var config = Path.Combine(root, "train.json");
        File.WriteAllText(
            config,
            JsonSerializer.Serialize(
                new
                {
                    base_model = Repo,
                    tasks = new
                    {
                        sentiment = new
                        {
                            train = Path.Combine(AppContext.BaseDirectory, "samples", "sentiment.tsv"),
                            batch_size = 4,
                            max_source_length = 16,
                        },
                    },
                    evaluation = new
                    {
                        every_steps = 2,
                        max_examples = 4,
                        final = false,
                    },
                    max_steps = 2,
                    threads = 1,
                }
            )
        );
        var (trainExit, trained, trainError) = await CommandLineRunner.RunAsync(
            "train",
            "--config",
            config,
            "--out",
            Path.Combine(root, "run")
        );

        Assert.True(trainExit == 0, trainError);
        Assert.Contains("Trained 2 steps", trained);
    }

    [Fact]
    public async Task BadHashFailsWithOneLineAndWritesNoCheckpoint()
    {
        using var server = new HubTestServer(Repo, TinyBertRepository(Path.Combine(root, "source")))
        {
            Corrupt = "model.safetensors",
        };
        Environment.SetEnvironmentVariable("HF_ENDPOINT", server.Endpoint.AbsoluteUri);
        var output = Path.Combine(root, "checkpoint");

        var (exitCode, _, error) = await CommandLineRunner.RunAsync("pretrained", "--model", Repo, "--out", output);

        Assert.Equal(1, exitCode);
        // On a terminal, progress lines of the files fetched before precede it: the error is one line, the last.
        var last = error.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("nlpmtl: ", last);
        Assert.Contains("model.safetensors: sha256 mismatch: expected", last);
        Assert.Single(error.Split('\n'), l => l.Contains("nlpmtl:"));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task OfflineWithAnEmptyCacheSaysWhatToDo()
    {
        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");

        var (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "pretrained",
            "--model",
            Repo,
            "--out",
            Path.Combine(root, "x")
        );

        Assert.Equal(1, exitCode);
        Assert.Contains("HF_HUB_OFFLINE is set; download it once online", error);
    }
}
