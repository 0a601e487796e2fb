using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace NlpMtl.Queue.Tests;

/// <summary>The client's contract against a real Azurite, step by step (no worker processes).</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class QueueClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SameJobEnqueuedTwiceIsOneJob()
    {
        var queue = new TestQueue(azurite, "twice");
        await queue.Client.CreateIfNotExistsAsync();
        Assert.True(await queue.Client.EnqueueAsync("a.json", TestQueue.Job("1", "x")));
        Assert.False(await queue.Client.EnqueueAsync("a.json", TestQueue.Job("1", "x")));
        Assert.Equal(1, (await queue.Client.GetCountsAsync()).Inbox);
    }

    [Fact]
    public async Task OnlyOneClaimerGetsTheLeaseAndAttemptsAreCounted()
    {
        var queue = new TestQueue(azurite, "claim");
        await queue.Client.CreateIfNotExistsAsync();
        await queue.Client.EnqueueAsync("a.json", TestQueue.Job("1", "x"));

        await using var first = await queue.Client.TryClaimAsync("a.json");
        Assert.NotNull(first);
        Assert.Equal(1, first.Attempt);
        Assert.Null(await queue.Client.TryClaimAsync("a.json"));
        Assert.Empty(await queue.Client.ListCandidatesAsync());

        await first.AbandonAsync("boom");
        await using var second = await queue.Client.TryClaimAsync("a.json");
        Assert.NotNull(second);
        Assert.Equal(2, second.Attempt);
        Assert.Equal("boom", second.LastError);
    }

    /// <summary>
    /// A claim from a listing counts the attempt from the listed metadata (lease + SetMetadata: two requests); when
    /// the job changed after the listing (claimed and abandoned meanwhile) it reads the metadata again and still
    /// counts right.
    /// </summary>
    [Fact]
    public async Task ClaimFromAListingUsesItsMetadataUnlessTheJobChanged()
    {
        var requests = new RequestCounter();
        var client = new TestQueue(azurite, "listed", policy: requests).Client;
        await client.CreateIfNotExistsAsync();
        await client.EnqueueAsync("a.json", TestQueue.Job("1", "x"));
        var listed = Assert.Single(await client.ListCandidatesAsync());

        var before = requests.Count;
        var first = (await client.TryClaimAsync(listed))!;
        Assert.Equal(2, requests.Count - before);
        Assert.Equal(1, first.Attempt);
        await first.AbandonAsync("boom");
        await first.DisposeAsync();

        // The same (now stale) listing entry: the ETag condition fails and the claim reads the metadata again.
        await using var second = (await client.TryClaimAsync(listed))!;
        Assert.Equal(2, second.Attempt);
        Assert.Equal("boom", second.LastError);
    }

    sealed class RequestCounter : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        int count;
        public int Count => Volatile.Read(ref count);

        public override void OnSendingRequest(Azure.Core.HttpMessage message) => Interlocked.Increment(ref count);
    }

    /// <summary>
    /// Two workers finish the same job (the first one's lease was broken, as if it had expired): one result blob,
    /// the second sees 409 and deletes the job; the first worker's stale lease can no longer touch the job.
    /// </summary>
    [Fact]
    public async Task DuplicateJobProducesOneResult()
    {
        var queue = new TestQueue(azurite, "dup");
        await queue.Client.CreateIfNotExistsAsync();
        await queue.Client.EnqueueAsync("a.json", TestQueue.Job("1", "x"));

        await using var stale = (await queue.Client.TryClaimAsync("a.json"))!;
        await queue.Client.Inbox.GetBlobClient("a.json").GetBlobLeaseClient().BreakAsync(TimeSpan.Zero);
        await using var fresh = (await queue.Client.TryClaimAsync("a.json"))!;
        Assert.NotNull(fresh);

        // The stale worker cannot record anything on the job under its old lease...
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() =>
            queue
                .Client.Inbox.GetBlobClient("a.json")
                .SetMetadataAsync(
                    new Dictionary<string, string> { ["x"] = "y" },
                    new BlobRequestConditions { LeaseId = stale.LeaseId }
                )
        );
        Assert.True(refused.Status is 409 or 412, $"status {refused.Status}");

        // ...and both completing gives exactly one result.
        Assert.Equal(
            CompletionOutcome.Written,
            await stale.CompleteAsync(BinaryData.FromString("{\"from\":\"stale\"}\n"))
        );
        Assert.Equal(
            CompletionOutcome.AlreadyDone,
            await fresh.CompleteAsync(BinaryData.FromString("{\"from\":\"fresh\"}\n"))
        );
        Assert.Equal(["a.json.result.jsonl"], await queue.ResultNamesAsync());
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await queue.Client.GetCountsAsync());
    }

    [Fact]
    public async Task OverSizeJobIsPoisonedWithoutDownloadingIt()
    {
        var queue = new TestQueue(azurite, "size", o => o.MaxJobBytes = 1024);
        await queue.Client.CreateIfNotExistsAsync();
        await queue.Client.EnqueueAsync("big.jsonl", BinaryData.FromBytes(new byte[8 * 1024 * 1024]));

        await using var job = (await queue.Client.TryClaimAsync("big.jsonl"))!;
        var error = await Assert.ThrowsAsync<JobFormatException>(() => job.ReadContentAsync());
        Assert.Contains("over the size limit", error.Reason);
        Assert.True(await job.PoisonAsync(error.Reason));

        Assert.Equal(["big.jsonl", "big.jsonl.error.json"], (await queue.PoisonNamesAsync()).Order());
        var copy = await queue.Client.Poison.GetBlobClient("big.jsonl").GetPropertiesAsync();
        Assert.Equal(8 * 1024 * 1024, copy.Value.ContentLength);
        Assert.Contains("over the size limit", await queue.ReadAsync(queue.Client.Poison, "big.jsonl.error.json"));
        Assert.Equal(0, (await queue.Client.GetCountsAsync()).Inbox);
    }

    [Fact]
    public async Task LeaseIsRenewedWhileWorking()
    {
        var queue = new TestQueue(azurite, "renew");
        await queue.Client.CreateIfNotExistsAsync();
        await queue.Client.EnqueueAsync("a.json", TestQueue.Job("1", "x"));
        await using var job = (await queue.Client.TryClaimAsync("a.json"))!;

        await Task.Delay(TimeSpan.FromSeconds(17)); // past one 15 s lease: only renewal at half-life keeps it
        Assert.False(job.LeaseLost.IsCancellationRequested);
        Assert.Null(await queue.Client.TryClaimAsync("a.json"));
        Assert.Equal(CompletionOutcome.Written, await job.CompleteAsync(BinaryData.FromString("{}\n")));
    }
}
