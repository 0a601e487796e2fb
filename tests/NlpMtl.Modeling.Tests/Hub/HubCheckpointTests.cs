using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using NlpMtl.Core.Hub;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.TestSupport;

namespace NlpMtl.Modeling.Tests.Hub;

/// <summary>
/// Downloads from a local server speaking the Hub's API: fresh, cached, resumed, offline, refused, corrupted. The
/// weights here are opaque bytes (the downloader never parses them); <see cref="HubTinyBertTests"/> loads a real one.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HubCheckpointTests : IDisposable
{
    const string Repo = "tiny-org/tiny-bert";
    readonly string root = Scratch.CreateDirectory("nlpmtl-hub-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    string CacheDirectory => Path.Combine(root, "hub");

    HubClient Client(HubTestServer server, string? token = null, bool offline = false, int attempts = 5) =>
        new(
            new HubClientOptions
            {
                Endpoint = server.Endpoint,
                CacheDirectory = CacheDirectory,
                Token = token,
                Offline = offline,
                MaxAttempts = attempts,
                RetryDelay = TimeSpan.FromMilliseconds(10),
            }
        );

    public static Dictionary<string, byte[]> Repository(string modelType = "bert", int weightBytes = 300_000)
    {
        var weights = new byte[weightBytes];
        new Random(5).NextBytes(weights);
        return new Dictionary<string, byte[]>
        {
            ["config.json"] = Encoding.UTF8.GetBytes($$"""{"model_type": "{{modelType}}", "hidden_size": 32}"""),
            ["model.safetensors"] = weights,
            ["vocab.txt"] = Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"),
            ["tokenizer_config.json"] = Encoding.UTF8.GetBytes("""{"do_lower_case": true}"""),
            ["README.md"] = Encoding.UTF8.GetBytes("# not part of a checkpoint\n"),
        };
    }

    string RepoCache => Path.Combine(CacheDirectory, "models--tiny-org--tiny-bert");

    int ContentGets(HubTestServer server) =>
        server.Http.Requests.Count(r => r.Path.Contains("/resolve/")) + server.Cdn.Requests.Count;

    [Fact]
    public async Task FreshDownloadWritesTheHubCacheLayout()
    {
        using var server = new HubTestServer(Repo, Repository());

        var snapshot = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));

        Assert.Equal(Path.Combine(RepoCache, "snapshots", server.Commit), snapshot);
        Assert.Equal(server.Commit, File.ReadAllText(Path.Combine(RepoCache, "refs", "main")));
        Assert.Equal(
            ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
        var weights = server.Files["model.safetensors"];
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(weights));
        // LFS content is stored under its SHA-256, linked relatively, as huggingface_hub does
        Assert.Equal(
            Path.Combine("..", "..", "blobs", sha256),
            new FileInfo(Path.Combine(snapshot, "model.safetensors")).LinkTarget
        );
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal(server.Files["vocab.txt"], File.ReadAllBytes(Path.Combine(snapshot, "vocab.txt")));
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoCache, "blobs"), "*.incomplete"));
        Assert.Equal(0, server.Http.CountGets("README.md"));
    }

    [Fact]
    public async Task CachedCheckpointIsNotFetchedAgain()
    {
        using var server = new HubTestServer(Repo, Repository());
        var first = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));
        var gets = ContentGets(server);

        var second = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));

        Assert.Equal(first, second);
        Assert.Equal(5, gets); // config, weights (302, then the CDN), vocab, tokenizer_config
        Assert.Equal(gets, ContentGets(server));
    }

    [Fact]
    public async Task ConcurrentDownloadsOfOneModelFetchEachFileOnce()
    {
        using var server = new HubTestServer(Repo, Repository(weightBytes: 3_000_000));

        var snapshots = await Task.WhenAll(
            Enumerable
                .Range(0, 3)
                .Select(_ => Task.Run(() => HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo))))
        );

        Assert.Single(snapshots.Distinct());
        Assert.Equal(1, server.Cdn.CountGets("/cdn/model.safetensors"));
        Assert.Equal(
            server.Files["model.safetensors"],
            File.ReadAllBytes(Path.Combine(snapshots[0], "model.safetensors"))
        );
    }

    [Fact]
    public async Task CutConnectionIsResumedWithARangeRequest()
    {
        using var server = new HubTestServer(Repo, Repository());
        server.CutOnce = ("model.safetensors", 100_000);

        var snapshot = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));

        Assert.Equal(server.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        var cdn = server.Cdn.Requests.Where(r => r.Path == "/cdn/model.safetensors").ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        Assert.Equal("bytes=100000-", cdn[1].Range);
    }

    [Fact]
    public async Task PartialDownloadIsResumedByALaterCall()
    {
        using var server = new HubTestServer(Repo, Repository());
        server.CutOnce = ("model.safetensors", 120_000);
        await Assert.ThrowsAnyAsync<IOException>(() =>
            HubCheckpoint.DownloadAsync(Client(server, attempts: 1), HubModelId.Parse(Repo))
        );
        var incomplete = Directory.GetFiles(Path.Combine(RepoCache, "blobs"), "*.incomplete");
        Assert.Equal(120_000, new FileInfo(Assert.Single(incomplete)).Length);
        Assert.False(Directory.Exists(Path.Combine(RepoCache, "snapshots", server.Commit)));

        var snapshot = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));

        Assert.Equal(server.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal("bytes=120000-", server.Cdn.Requests.Last(r => r.Path == "/cdn/model.safetensors").Range);
    }

    [Fact]
    public async Task OfflineServesTheCacheWithoutARequest()
    {
        using var server = new HubTestServer(Repo, Repository());
        var online = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));
        var requests = server.RequestCount;

        var offline = await HubCheckpoint.DownloadAsync(Client(server, offline: true), HubModelId.Parse(Repo));
        var byCommit = await HubCheckpoint.DownloadAsync(
            Client(server, offline: true),
            HubModelId.Parse($"{Repo}@{server.Commit}")
        );

        Assert.Equal(online, offline);
        Assert.Equal(online, byCommit);
        Assert.Equal(requests, server.RequestCount);
    }

    [Fact]
    public async Task UnreachableHubFallsBackToTheCachedSnapshot()
    {
        string online;
        HubClient unreachable;
        using (var server = new HubTestServer(Repo, Repository()))
        {
            online = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));
            unreachable = Client(server);
        }

        Assert.Equal(online, await HubCheckpoint.DownloadAsync(unreachable, HubModelId.Parse(Repo)));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubCheckpoint.DownloadAsync(unreachable, HubModelId.Parse("tiny-org/never-downloaded"))
        );
        Assert.Null(error.StatusCode); // no answer at all, not a 404
        Assert.True(Directory.Exists(online));
    }

    [Fact]
    public async Task OfflineWithoutTheModelInTheCacheSaysSo()
    {
        using var server = new HubTestServer(Repo, Repository());

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            HubCheckpoint.DownloadAsync(Client(server, offline: true), HubModelId.Parse(Repo))
        );

        Assert.Contains(Repo, error.Message);
        Assert.Contains("HF_HUB_OFFLINE", error.Message);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task BadHashNamesTheFileAndLeavesNoCheckpoint()
    {
        using var server = new HubTestServer(Repo, Repository());
        server.Corrupt = "model.safetensors";

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo))
        );

        var weights = server.Files["model.safetensors"];
        byte[] served = [(byte)(weights[0] ^ 0xFF), .. weights.AsSpan(1)];
        Assert.Contains("model.safetensors: sha256 mismatch", error.Message);
        Assert.Contains($"expected {Convert.ToHexStringLower(SHA256.HashData(weights))}", error.Message);
        Assert.Contains($"got {Convert.ToHexStringLower(SHA256.HashData(served))}", error.Message);
        Assert.False(Directory.Exists(Path.Combine(RepoCache, "snapshots")));
        Assert.False(File.Exists(Path.Combine(RepoCache, "refs", "main")));
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoCache, "blobs"), "*.incomplete"));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(RepoCache, "blobs")), f =>
            new FileInfo(f).Length == weights.Length
        );
    }

    [Fact]
    public async Task NonBertModelIsRefusedBeforeItsWeights()
    {
        using var server = new HubTestServer(Repo, Repository(modelType: "gpt2"));

        var error = await Assert.ThrowsAsync<NotSupportedException>(() =>
            HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo))
        );

        Assert.Contains("model_type 'gpt2' is not a BERT-family model", error.Message);
        Assert.Equal(0, server.Http.CountGets("model.safetensors") + server.Cdn.Requests.Count);
    }

    [Fact]
    public async Task ShardedWeightsBringEveryShard()
    {
        var files = Repository();
        files.Remove("model.safetensors");
        files["model.safetensors.index.json"] = Encoding.UTF8.GetBytes(
            """
            {"metadata": {"total_size": 8}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
             "b.weight": "model-00002-of-00002.safetensors", "c.weight": "model-00001-of-00002.safetensors"}}
            """
        );
        files["model-00001-of-00002.safetensors"] = [1, 2, 3, 4];
        files["model-00002-of-00002.safetensors"] = [5, 6, 7, 8];
        using var server = new HubTestServer(Repo, files);

        var snapshot = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));

        Assert.Equal(
            [
                Path.Combine(snapshot, "model-00001-of-00002.safetensors"),
                Path.Combine(snapshot, "model-00002-of-00002.safetensors"),
            ],
            CheckpointFiles.WeightFiles(snapshot)
        );
        Assert.Equal([5, 6, 7, 8], File.ReadAllBytes(Path.Combine(snapshot, "model-00002-of-00002.safetensors")));
    }

    [Fact]
    public async Task PrivateModelNeedsTheToken()
    {
        using var server = new HubTestServer(Repo, Repository()) { RequiredToken = "hf_test" };

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo))
        );
        var snapshot = await HubCheckpoint.DownloadAsync(Client(server, token: "hf_test"), HubModelId.Parse(Repo));

        Assert.Contains("401", refused.Message);
        Assert.Contains("HF_TOKEN", refused.Message);
        Assert.True(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.Contains(server.Http.Requests, r =>
            r.Path.EndsWith("/resolve/" + server.Commit + "/model.safetensors") && r.Authorization == "Bearer hf_test"
        );
        // The redirect to the CDN (another origin) goes without the token
        Assert.NotEmpty(server.Cdn.Requests);
        Assert.All(server.Cdn.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task CopyToWritesAPlainCheckpointFolder()
    {
        using var server = new HubTestServer(Repo, Repository());
        var snapshot = await HubCheckpoint.DownloadAsync(Client(server), HubModelId.Parse(Repo));
        var output = Path.Combine(root, "out");

        HubCheckpoint.CopyTo(snapshot, output);

        foreach (var file in Directory.GetFiles(output))
        {
            Assert.Null(new FileInfo(file).LinkTarget);
            Assert.Equal(server.Files[Path.GetFileName(file)], File.ReadAllBytes(file));
        }
        Assert.Equal(4, Directory.GetFiles(output).Length);
    }

    [Theory]
    [InlineData("org/name", "org/name", "main")]
    [InlineData("org/name@v1.0", "org/name", "v1.0")]
    [InlineData(
        "sentence-transformers/all-MiniLM-L6-v2@refs/pr/1",
        "sentence-transformers/all-MiniLM-L6-v2",
        "refs/pr/1"
    )]
    public void ModelIdsParse(string text, string repo, string revision)
    {
        var id = HubModelId.Parse(text);
        Assert.Equal((repo, revision), (id.Repo, id.Revision));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("../runs/best")]
    [InlineData("org/na--me")]
    [InlineData("org/name@")]
    [InlineData("a/b/c")]
    public void PathsAndBadNamesAreNotModelIds(string text) => Assert.False(HubModelId.TryParse(text, out _));

    [Fact]
    public void EnvironmentIsReadAsHuggingfaceHubReadsIt()
    {
        var home = Path.Combine(root, "hf");
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, "token"), "hf_from_file\n");
        var variables = new Dictionary<string, string>
        {
            ["HF_HOME"] = home,
            ["HF_ENDPOINT"] = "http://mirror.example/",
            ["HF_HUB_OFFLINE"] = "yes",
        };

        var options = HubClientOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal(Path.Combine(home, "hub"), options.CacheDirectory);
        Assert.Equal("http://mirror.example/", options.Endpoint.AbsoluteUri);
        Assert.Equal("hf_from_file", options.Token);
        Assert.True(options.Offline);
        variables["HF_TOKEN"] = "hf_env";
        variables["HF_HUB_CACHE"] = "/elsewhere";
        variables["HF_HUB_OFFLINE"] = "0";
        options = HubClientOptions.FromEnvironment(variables.GetValueOrDefault);
        Assert.Equal(("hf_env", "/elsewhere", false), (options.Token, options.CacheDirectory, options.Offline));
    }
}
