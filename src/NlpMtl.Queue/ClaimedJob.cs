using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace NlpMtl.Queue;

/// <summary>
/// A leased inbox job. Its lease is renewed at half-life in the background until the job is completed, poisoned or
/// abandoned; <see cref="LeaseLost"/> fires when another worker may own it now. Every write that finishes the job is
/// conditioned on the lease or on create-if-absent, so a worker that lost its lease cannot overwrite anything.
/// </summary>
public sealed class ClaimedJob : IAsyncDisposable
{
    readonly BlobWorkQueueClient queue;
    readonly BlobClient blob;
    readonly BlobLeaseClient lease;
    readonly Dictionary<string, string> metadata; // as this claim wrote it; nobody else can change it under our lease
    readonly CancellationTokenSource leaseLost = new();
    readonly CancellationTokenSource stopRenewing = new();
    readonly Task renewal;

    internal ClaimedJob(
        BlobWorkQueueClient queue,
        BlobClient blob,
        BlobLeaseClient lease,
        int attempt,
        long size,
        Dictionary<string, string> metadata
    )
    {
        this.queue = queue;
        this.blob = blob;
        this.lease = lease;
        this.metadata = metadata;
        Attempt = attempt;
        Size = size;
        LastError = metadata.GetValueOrDefault(BlobWorkQueueClient.LastErrorKey);
        renewal = RenewUntilStoppedAsync(stopRenewing.Token);
    }

    public string Name => blob.Name;
    public string LeaseId => lease.LeaseId;

    /// <summary>1 for the first claim; counts crashed and abandoned claims too.</summary>
    public int Attempt { get; }
    public long Size { get; }

    /// <summary>The error an earlier attempt recorded when it abandoned the job, if any.</summary>
    public string? LastError { get; }
    public CancellationToken LeaseLost => leaseLost.Token;

    /// <summary>SHA-256 of the job's bytes once read: the content identity its result records.</summary>
    public string? ContentHash { get; private set; }

    /// <summary>The result blob <see cref="CompleteAsync"/> wrote or found.</summary>
    public string? ResultName { get; private set; }

    /// <summary>The job's bytes; a <see cref="JobFormatException"/> without downloading when over the size
    /// limit.</summary>
    public async Task<byte[]> ReadContentAsync(CancellationToken cancellationToken = default)
    {
        var limit = queue.Options.MaxJobBytes;
        if (Size > limit)
            throw new JobFormatException($"over the size limit ({Size} bytes > {limit})");
        BlobDownloadStreamingResult download = await blob.DownloadStreamingAsync(
            new BlobDownloadOptions { Conditions = new BlobRequestConditions { LeaseId = LeaseId } },
            cancellationToken
        );
        await using var stream = download.Content;
        using var buffer = new MemoryStream((int)Size);
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            // Size came from the listing; guard anyway so a blob never fills memory past the limit.
            if (buffer.Length + read > limit)
                throw new JobFormatException($"over the size limit (> {limit} bytes)");
            buffer.Write(chunk, 0, read);
        }
        var content = buffer.ToArray();
        ContentHash = QueueNames.ContentHash(content);
        return content;
    }

    /// <summary>
    /// Creates the one result blob of this job's content (If-None-Match:*) and deletes the job with the lease id. The
    /// result records the content's SHA-256 in its metadata, like a blob receipt keyed by name and content: a result
    /// that already exists for the same content means another attempt finished the job (deleted all the same); one
    /// for other content means the name was re-sent with new content, whose result is kept under
    /// <see cref="QueueNames.Versioned"/> instead of being dropped.
    /// </summary>
    public async Task<CompletionOutcome> CompleteAsync(
        BinaryData results,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(results);
        var hash = ContentHash ?? await HashContentAsync(cancellationToken);
        var metadata = new Dictionary<string, string> { [BlobWorkQueueClient.ContentHashKey] = hash };
        var outcome = CompletionOutcome.Written;
        ResultName = QueueNames.ResultOf(Name);
        if (
            !await BlobWorkQueueClient.CreateIfAbsentAsync(
                queue.Results.GetBlobClient(ResultName),
                results,
                "application/x-ndjson",
                cancellationToken,
                metadata
            )
        )
        {
            if (await BlobWorkQueueClient.HashOfAsync(queue.Results, ResultName, cancellationToken) == hash)
                outcome = CompletionOutcome.AlreadyDone;
            else
            {
                // Other content (or a result from before content identities were recorded): keep both.
                ResultName = QueueNames.ResultOf(QueueNames.Versioned(Name, hash));
                outcome = await BlobWorkQueueClient.CreateIfAbsentAsync(
                    queue.Results.GetBlobClient(ResultName),
                    results,
                    "application/x-ndjson",
                    cancellationToken,
                    metadata
                )
                    ? CompletionOutcome.WrittenForNewContent
                    : CompletionOutcome.AlreadyDone;
            }
        }
        await StopRenewingAsync();
        // A lost lease here is harmless: the next claimer finds the result, gets 409 and deletes the job.
        await DeleteJobAsync(cancellationToken);
        return outcome;
    }

    /// <summary>For a job completed without being read (callers with their own content): hash it. Not conditioned on
    /// the lease, like the result write itself: a worker that lost its lease may still finish, never twice.</summary>
    async Task<string> HashContentAsync(CancellationToken cancellationToken)
    {
        BlobDownloadResult download = await blob.DownloadContentAsync(cancellationToken);
        return ContentHash = QueueNames.ContentHash(download.Content);
    }

    /// <summary>
    /// Copies the job to poison (streamed, never whole in memory), writes <c>.error.json</c>, deletes the job. When
    /// the name was poisoned before with other content (known once the job was read), this content's copy and
    /// record go under <see cref="QueueNames.Versioned"/>, as results do.
    /// </summary>
    public async Task<bool> PoisonAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var name = Name;
        if (!await CopyToPoisonAsync(name, cancellationToken) && ContentHash is { } hash)
        {
            if (
                await BlobWorkQueueClient.HashOfAsync(queue.Poison, QueueNames.PoisonCopyOf(name), cancellationToken)
                != hash
            )
                await CopyToPoisonAsync(name = QueueNames.Versioned(Name, hash), cancellationToken);
        }
        var record = new PoisonRecord(reason, Attempt, queue.Options.WorkerId, DateTimeOffset.UtcNow, Size, Name);
        await BlobWorkQueueClient.CreateIfAbsentAsync(
            queue.Poison.GetBlobClient(QueueNames.ErrorOf(name)),
            record.ToBinaryData(),
            "application/json",
            cancellationToken
        );
        await StopRenewingAsync();
        return await DeleteJobAsync(cancellationToken);
    }

    /// <summary>False when the copy exists already: an earlier attempt poisoned the job and lost its lease before
    /// deleting it, or the name was poisoned before (other content, if its recorded hash differs).</summary>
    async Task<bool> CopyToPoisonAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = await blob.OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false),
                cancellationToken
            );
            await queue
                .Poison.GetBlobClient(QueueNames.PoisonCopyOf(name))
                .UploadAsync(
                    source,
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        Metadata = ContentHash is { } hash
                            ? new Dictionary<string, string> { [BlobWorkQueueClient.ContentHashKey] = hash }
                            : null,
                    },
                    cancellationToken
                );
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Gives the job back for another attempt: records why in its metadata and releases the lease.</summary>
    public async Task AbandonAsync(string? error, CancellationToken cancellationToken = default)
    {
        await StopRenewingAsync();
        var conditions = new BlobRequestConditions { LeaseId = LeaseId };
        try
        {
            if (error is not null)
            {
                metadata[BlobWorkQueueClient.LastErrorKey] = MetadataValue.Sanitize(error);
                await blob.SetMetadataAsync(metadata, conditions, cancellationToken);
            }
            await lease.ReleaseAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // Lease already lost or the job is gone: nothing left to give back.
        }
    }

    /// <summary>Deletes the job with the lease id; false when the lease was lost (another worker will finish
    /// it).</summary>
    async Task<bool> DeleteJobAsync(CancellationToken cancellationToken)
    {
        try
        {
            await blob.DeleteAsync(
                DeleteSnapshotsOption.None,
                new BlobRequestConditions { LeaseId = LeaseId },
                cancellationToken
            );
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            leaseLost.Cancel();
            return false;
        }
    }

    async Task RenewUntilStoppedAsync(CancellationToken stop)
    {
        var halfLife = queue.Options.LeaseDuration / 2;
        var delay = halfLife;
        try
        {
            while (true)
            {
                await Task.Delay(delay, stop);
                try
                {
                    await lease.RenewAsync(cancellationToken: stop);
                    delay = halfLife;
                }
                catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
                {
                    leaseLost.Cancel(); // taken over or deleted: stop work, write nothing
                    return;
                }
                catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
                {
                    // Storage unreachable (the SDK already retried): try again sooner, while the lease may still hold.
                    delay = halfLife / 3;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    async Task StopRenewingAsync()
    {
        if (!stopRenewing.IsCancellationRequested)
            await stopRenewing.CancelAsync();
        await renewal;
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync();
        stopRenewing.Dispose();
        leaseLost.Dispose();
    }
}

public enum CompletionOutcome
{
    /// <summary>This attempt created the result and deleted the job.</summary>
    Written,

    /// <summary>A result of the same content existed already (another attempt finished first); the job was
    /// deleted.</summary>
    AlreadyDone,

    /// <summary>The name had a result for other content: this content's result was written under a versioned
    /// name.</summary>
    WrittenForNewContent,
}
