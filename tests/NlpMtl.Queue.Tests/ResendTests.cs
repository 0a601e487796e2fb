using NlpMtl.TestSupport;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// A job name re-sent with new content (issue 17, defect 1): every distinct content under a name gets exactly one
/// result, whether the name was re-used by <c>enqueue</c> or by another tool writing the inbox directly.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ResendTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task NewContentUnderADoneNameGetsItsOwnResultAndTheSameContentNoSecond()
    {
        var queue = new TestQueue(azurite, "resend");
        await queue.Client.CreateIfNotExistsAsync();
        await using var worker = WorkerProcess.Start(azurite, queue.Prefix);
        var first = TestQueue.Job("first", "the first version");
        var second = TestQueue.Job("second", "the second version");

        // Plain create-if-absent writes, as a tool other than enqueue would: the worker alone must keep both.
        Assert.True(await queue.Client.EnqueueAsync("a.json", first));
        await queue.WaitAsync(c => c.Results == 1 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.True(await queue.Client.EnqueueAsync("a.json", second));
        await queue.WaitAsync(c => c.Results == 2 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.True(await queue.Client.EnqueueAsync("a.json", first)); // the first content again: done already
        await queue.WaitAsync(c => c.Inbox == 0, TimeSpan.FromSeconds(60));

        var versioned = QueueNames.ResultOf(QueueNames.Versioned("a.json", QueueNames.ContentHash(second.ToArray())));
        Assert.Equal(["a.json.result.jsonl", versioned], (await queue.ResultNamesAsync()).Order());
        Assert.Contains("\"id\":\"first\"", await queue.ReadAsync(queue.Client.Results, "a.json.result.jsonl"));
        Assert.Contains("\"id\":\"second\"", await queue.ReadAsync(queue.Client.Results, versioned));
        Assert.True(
            await worker.WaitForLogAsync(
                l => l.Contains("a.json was done before with other content") && l.Contains(versioned),
                TimeSpan.FromSeconds(5)
            ),
            worker.Log
        );
        Assert.Equal(1, worker.Count("(AlreadyDone)"));
        Assert.Equal(0, (await queue.Client.GetCountsAsync()).Poison);
    }

    [Fact]
    public async Task NewBadContentUnderAPoisonedNameGetsItsOwnPoisonRecord()
    {
        var queue = new TestQueue(azurite, "repoison");
        await queue.Client.CreateIfNotExistsAsync();
        await using var worker = WorkerProcess.Start(azurite, queue.Prefix);
        var second = BinaryData.FromString("{\"id\":\"2\",\"body\":\"no text either\"}");
        Assert.True(await queue.Client.EnqueueAsync("bad.json", BinaryData.FromString("{\"id\":\"1\",\"text\":")));
        await queue.WaitAsync(c => c.Poison == 1 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.True(await queue.Client.EnqueueAsync("bad.json", second));
        await queue.WaitAsync(c => c.Poison == 2 && c.Inbox == 0, TimeSpan.FromSeconds(60));

        var versioned = QueueNames.Versioned("bad.json", QueueNames.ContentHash(second.ToArray()));
        Assert.Contains("malformed JSON", await queue.ReadAsync(queue.Client.Poison, QueueNames.ErrorOf("bad.json")));
        Assert.Contains("schema", await queue.ReadAsync(queue.Client.Poison, QueueNames.ErrorOf(versioned)));
        Assert.Equal(second.ToString(), await queue.ReadAsync(queue.Client.Poison, versioned));
    }

    [Fact]
    public async Task EnqueueNamesEachContentAndSaysWhenItReusedOrSkippedAName()
    {
        var queue = new TestQueue(azurite, "enqueue");
        var folder = Scratch.CreateDirectory("nlpmtl-enqueue-").FullName;
        var file = Path.Combine(folder, "a.json");

        await File.WriteAllTextAsync(file, TestQueue.Job("first", "one").ToString());
        var (exit, stdout, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "enqueue", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains("enqueued 1 job(s)", stdout);

        // New content while the first is still waiting: a name of its own, and enqueue says so.
        await File.WriteAllTextAsync(file, TestQueue.Job("second", "two").ToString());
        var secondName = QueueNames.Versioned("a.json", QueueNames.ContentHash(await File.ReadAllBytesAsync(file)));
        (exit, stdout, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "enqueue", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"enqueued as {secondName}", stderr);
        Assert.Contains("enqueued 1 job(s)", stdout);

        // The same content again: nothing new.
        (exit, stdout, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "enqueue", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"{secondName} is already waiting with the same content; skipped", stderr);
        Assert.Contains("enqueued 0 job(s)", stdout);
        Assert.Equal(["a.json", secondName], (await NamesAsync(queue.Client.Inbox)).Order());

        await using (var worker = WorkerProcess.Start(azurite, queue.Prefix))
            await queue.WaitAsync(c => c.Results == 2 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.Contains(
            "\"id\":\"second\"",
            await queue.ReadAsync(queue.Client.Results, QueueNames.ResultOf(secondName))
        );

        // Done already with the same content: skipped, and the result it has named.
        (exit, _, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "enqueue", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"was done already with the same content ({QueueNames.ResultOf(secondName)})", stderr);
        // --unique: content-addressed names from the start.
        await File.WriteAllTextAsync(file, TestQueue.Job("third", "three").ToString());
        var thirdName = QueueNames.Versioned("a.json", QueueNames.ContentHash(await File.ReadAllBytesAsync(file)));
        (exit, _, stderr) = await CliProcess.RunAsync(azurite, queue.Prefix, "enqueue", "--unique", file);
        Assert.True(exit == 0, stderr);
        Assert.Equal([thirdName], await NamesAsync(queue.Client.Inbox));
    }

    [Fact]
    public async Task EnqueueRefusesWhatCanNeverBeAJobBeforeUploadingAnything()
    {
        var queue = new TestQueue(azurite, "refuse");
        var folder = Scratch.CreateDirectory("nlpmtl-refuse-").FullName;
        var good = Path.Combine(folder, "good.json");
        await File.WriteAllTextAsync(good, TestQueue.Job("1", "fine").ToString());
        var big = Path.Combine(folder, "big.jsonl");
        await File.WriteAllBytesAsync(big, new byte[4096]);
        var settings = new Dictionary<string, string>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Queue:ContainerPrefix"] = queue.Prefix,
            ["Queue:MaxJobBytes"] = "1024",
        };

        foreach (
            var (argument, expected) in new[]
            {
                (big, "over Queue:MaxJobBytes (1,024)"),
                (folder, "is a directory; give job files"),
                (Path.Combine(folder, "missing.json"), "no such file"),
            }
        )
        {
            var (exit, _, stderr) = await CliProcess.RunAsync(settings, "enqueue", good, argument);
            Assert.Equal(1, exit);
            Assert.Contains(expected, stderr);
            Assert.Single(stderr.TrimEnd().Split('\n'));
        }
        Assert.False(await queue.Client.Inbox.ExistsAsync()); // the good file was not sent either
    }

    static async Task<List<string>> NamesAsync(Azure.Storage.Blobs.BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
            names.Add(blob.Name);
        return names;
    }
}
