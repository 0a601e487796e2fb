using System.Diagnostics;
using System.Text;
using Azure.Storage.Blobs;

namespace NlpMtl.Queue.Tests;

/// <summary>A queue under a fresh prefix on the shared Azurite, with helpers to fill it and wait on it.</summary>
sealed class TestQueue
{
    /// <param name="policy">Optional per-call pipeline policy of the client (e.g. to count requests).</param>
    public TestQueue(
        AzuriteFixture azurite,
        string name,
        Action<BlobWorkQueueClientOptions>? configure = null,
        Azure.Core.Pipeline.HttpPipelinePolicy? policy = null
    )
    {
        Prefix = azurite.NewPrefix(name);
        var options = new BlobWorkQueueClientOptions
        {
            ContainerPrefix = Prefix,
            LeaseDuration = TimeSpan.FromSeconds(15),
            WorkerId = "test",
        };
        configure?.Invoke(options);
        Client = new BlobWorkQueueClient(azurite.ServiceClient(policy: policy), options);
    }

    public string Prefix { get; }
    public BlobWorkQueueClient Client { get; }

    public static BinaryData Job(string id, string text, params string[] tasks) =>
        BinaryData.FromString(
            tasks.Length == 0
                ? $$"""{"id":"{{id}}","text":"{{text}}"}"""
                : $$"""{"id":"{{id}}","text":"{{text}}","tasks":[{{string.Join(",", tasks.Select(Quoted))}}]}"""
        );

    static string Quoted(string task) => $"\"{task}\"";

    public async Task<List<string>> EnqueueManyAsync(int count, string prefix = "job")
    {
        await Client.CreateIfNotExistsAsync();
        var names = Enumerable.Range(1, count).Select(i => $"{prefix}-{i:D4}.json").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, ct) =>
            Assert.True(await Client.EnqueueAsync(name, Job(name, $"document {name} is rather good"), ct))
        );
        return names;
    }

    public async Task<List<string>> ResultNamesAsync() => await NamesAsync(Client.Results);

    public async Task<List<string>> PoisonNamesAsync() => await NamesAsync(Client.Poison);

    static async Task<List<string>> NamesAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
            names.Add(blob.Name);
        return names;
    }

    public async Task<string> ReadAsync(BlobContainerClient container, string name) =>
        Encoding.UTF8.GetString((await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());

    /// <summary>Polls the counts until <paramref name="done"/> holds; storage errors (an outage) just mean "not
    /// yet".</summary>
    public async Task<QueueCounts> WaitAsync(Func<QueueCounts, bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        QueueCounts? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                last = await Client.GetCountsAsync();
                if (done(last))
                    return last;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
            { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"queue {Prefix} not done after {timeout.TotalSeconds:F0} s; last counts {last}");
    }
}
