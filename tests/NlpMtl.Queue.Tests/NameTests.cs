using System.Text.Json;
using Azure.Storage.Blobs;
using NlpMtl.TestSupport;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// Blob names the queue cannot use as they are (issue 17, defects 2-4): names no request can address, names at or
/// over the service's length limit, and results that would collide or escape the folder when downloaded.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NameTests(AzuriteFixture azurite)
{
    static readonly string[] Unaddressable = ["../x.json", "a/../../y.json", "/z.json"];

    [Fact]
    public async Task UnaddressableNamesAreQuarantinedOnceAndLongNamesHandledWhileGoodJobsFlow()
    {
        var queue = new TestQueue(azurite, "names");
        await queue.Client.CreateIfNotExistsAsync();
        foreach (var name in Unaddressable)
            await RawBlobs.PutAsync(queue.Client.Inbox, name, TestQueue.Job("1", "stuck?"));
        var long1000 = new string('l', 1015) + ".json"; // legal, but its result name would pass 1,024 characters
        var long1100 = new string('o', 1095) + ".json"; // over Azure's limit (the emulator accepts it)
        Assert.True(await queue.Client.EnqueueAsync(long1000, TestQueue.Job("long", "a long name")));
        Assert.True(await queue.Client.EnqueueAsync(long1100, TestQueue.Job("longer", "too long a name")));
        var good = await queue.EnqueueManyAsync(20);

        await using var worker = WorkerProcess.Start(azurite, queue.Prefix);
        // The whole state, not only the results: a job's result is written before its inbox blob and lease are
        // deleted, so on a loaded machine the results can be complete while two jobs still hold their leases.
        var expected = new QueueCounts(Unaddressable.Length, 0, good.Count + 1, 1, Unaddressable.Length);
        var counts = await queue.WaitAsync(c => c == expected, TimeSpan.FromSeconds(60));
        Assert.Equal(expected, counts);
        await Task.Delay(2000); // many more polls of an inbox holding only the stuck names

        // Once each, with the reason, and never taken for a storage outage.
        Assert.Equal(Unaddressable.Length, worker.Count("Quarantined inbox blob"));
        Assert.Equal(0, worker.Count("Claiming failed"));
        Assert.Equal(0, worker.Count("Degraded"));
        var records = await RecordsAsync(queue.Client.Poison, QueueNames.UnaddressableFolder);
        Assert.Equal(Unaddressable.Order(), records.Select(r => r.Job).Order());
        Assert.All(records, r => Assert.Contains("cannot be addressed", r.Reason));

        // A second worker finds the records and adds nothing.
        await using (var second = WorkerProcess.Start(azurite, queue.Prefix))
        {
            Assert.True(
                await second.WaitForLogAsync(l => l.Contains("Serving "), TimeSpan.FromSeconds(60)),
                second.Log
            );
            await Task.Delay(1500);
            Assert.Equal(0, second.Count("Quarantined inbox blob"));
        }
        Assert.Equal(
            Unaddressable.Length,
            (await RecordsAsync(queue.Client.Poison, QueueNames.UnaddressableFolder)).Count
        );

        // 1,020 characters: processed, its result name shortened with a hash; 1,100: poisoned at once.
        var results = await queue.ResultNamesAsync();
        Assert.Contains(QueueNames.ResultOf(long1000), results);
        Assert.Equal(QueueNames.MaxBlobName, QueueNames.ResultOf(long1000).Length);
        Assert.Contains("\"id\":\"long\"", await queue.ReadAsync(queue.Client.Results, QueueNames.ResultOf(long1000)));
        var poisoned = await queue.ReadAsync(queue.Client.Poison, QueueNames.ErrorOf(long1100));
        Assert.Contains("over the 1024 storage allows", poisoned);
        Assert.Contains(long1100, poisoned);
        Assert.Equal(1, worker.Count($"Claimed {long1100} (attempt 1"));
    }

    [Fact]
    public async Task ResultsDownloadGivesEveryBlobItsOwnFileInsideTheFolderAndGoesOnPastFailures()
    {
        var queue = new TestQueue(azurite, "download");
        await queue.Client.CreateIfNotExistsAsync();
        var results = new Dictionary<string, string>
        {
            ["dirA/same.json.result.jsonl"] = "A",
            ["dirB/same.json.result.jsonl"] = "B",
            ["same.json.result.jsonl"] = "flat",
            ["Case.json.result.jsonl"] = "upper",
            ["case.json.result.jsonl"] = "lower",
            [".hidden.result.jsonl"] = "dot",
            [new string('r', 1000) + QueueNames.ResultSuffix] = "long",
            [new string('s', 995) + QueueNames.ResultSuffix] = "long too",
        };
        foreach (var (name, content) in results)
            await queue.Client.Results.GetBlobClient(name).UploadAsync(BinaryData.FromString(content));
        await RawBlobs.PutAsync(queue.Client.Results, "../escape.json.result.jsonl", BinaryData.FromString("evil"));
        await queue
            .Client.Poison.GetBlobClient("dirA/bad.json.error.json")
            .UploadAsync(BinaryData.FromString("{\"reason\":\"x\"}"));
        await RawBlobs.PutAsync(queue.Client.Poison, "../../poison.json.error.json", BinaryData.FromString("evil"));

        var parent = Scratch.CreateDirectory("nlpmtl-results-").FullName;
        var output = Path.Combine(parent, "out");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(
            azurite,
            queue.Prefix,
            "results",
            "--out",
            output,
            "--poison"
        );

        // The two unaddressable blobs fail, are named, and everything else is there: one file each, true counts.
        Assert.Equal(1, exit);
        Assert.True(stdout.Contains($"wrote {results.Count} result file(s) and 1 poison record(s)"), stdout + stderr);
        Assert.Contains("2 failed", stdout);
        Assert.Contains("could not download ../escape.json.result.jsonl", stderr);
        Assert.Contains("could not download ../../poison.json.error.json", stderr);
        Assert.DoesNotContain("<?xml", stderr);
        var files = Directory.GetFiles(output).Select(File.ReadAllText).Order().ToList();
        Assert.Equal(results.Values.Order(), files);
        Assert.Equal(
            ["{\"reason\":\"x\"}"],
            Directory.GetFiles(Path.Combine(output, "poison")).Select(File.ReadAllText)
        );
        Assert.Equal([output], Directory.GetFileSystemEntries(parent)); // nothing beside or above the folder
        Assert.DoesNotContain(Directory.GetFiles(output, "*", SearchOption.AllDirectories), f =>
            new FileInfo(f).Length == 0 || f.EndsWith(".partial")
        );
        Assert.All(Directory.GetFiles(output), f =>
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(f)) <= 255, f)
        );
        Assert.True(File.Exists(Path.Combine(output, "dirA%2Fsame.json.result.jsonl")));

        // A local failure (the target path is taken by a folder) is reported too, and the rest still written.
        Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(Path.Combine(output, "dirB%2Fsame.json.result.jsonl"));
        (exit, stdout, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "results", "--out", output);
        Assert.Equal(1, exit);
        Assert.Contains($"wrote {results.Count - 1} result file(s)", stdout);
        Assert.Contains("could not download dirB/same.json.result.jsonl", stderr);
        Assert.Equal(results.Count - 1, Directory.GetFiles(output).Length);
    }

    static async Task<List<PoisonRecord>> RecordsAsync(BlobContainerClient poison, string folder)
    {
        var records = new List<PoisonRecord>();
        await foreach (
            var blob in poison.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = folder })
        )
            records.Add(
                JsonSerializer.Deserialize<PoisonRecord>(
                    (await poison.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content,
                    PoisonRecord.JsonOptions
                )!
            );
        return records;
    }
}
