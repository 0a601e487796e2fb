using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace NlpMtl.Queue;

/// <summary>
/// The blob-backed work queue (docs/contracts.md): jobs are inbox blobs claimed by lease, finished by creating
/// exactly one result blob, or moved to poison. Immutable and thread-safe; the retry policy is the
/// <see cref="BlobServiceClient"/>'s own (configure it through <c>BlobClientOptions.Retry</c>).
/// </summary>
public sealed partial class BlobWorkQueueClient
{
    internal const string AttemptsKey = "attempts";
    internal const string WorkerKey = "worker";
    internal const string LastErrorKey = "lasterror";

    /// <summary>Metadata of inbox jobs (set by <see cref="SubmitAsync"/>) and results: SHA-256 of the job's
    /// bytes.</summary>
    internal const string ContentHashKey = "jobsha256";

    public BlobWorkQueueClient(BlobServiceClient service, BlobWorkQueueClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        Options = options ?? new BlobWorkQueueClientOptions();
        var prefix = Options.ContainerPrefix;
        Inbox = service.GetBlobContainerClient(QueueNames.Inbox(prefix));
        Results = service.GetBlobContainerClient(QueueNames.Results(prefix));
        Poison = service.GetBlobContainerClient(QueueNames.Poison(prefix));
    }

    public BlobWorkQueueClientOptions Options { get; }
    public BlobContainerClient Inbox { get; }
    public BlobContainerClient Results { get; }
    public BlobContainerClient Poison { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var container in new[] { Inbox, Results, Poison })
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Adds a job; false when a job of that name is already waiting (create-if-absent, never
    /// overwrites).</summary>
    public Task<bool> EnqueueAsync(string name, BinaryData content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(content);
        return CreateIfAbsentAsync(Inbox.GetBlobClient(name), content, contentType: null, cancellationToken);
    }

    /// <summary>Uploads with If-None-Match:*; false when the blob exists already (it is never overwritten).</summary>
    internal static async Task<bool> CreateIfAbsentAsync(
        BlobClient blob,
        BinaryData content,
        string? contentType,
        CancellationToken cancellationToken,
        IDictionary<string, string>? metadata = null
    )
    {
        try
        {
            await blob.UploadAsync(
                content,
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = contentType is null ? null : new BlobHttpHeaders { ContentType = contentType },
                    Metadata = metadata,
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

    /// <summary>
    /// Whether the SDK can address an inbox blob of this name: names with <c>.</c>/<c>..</c> segments or a leading
    /// <c>/</c> (which other tools can create) are rewritten by URI normalisation, so every request would reach
    /// another blob or none.
    /// </summary>
    public bool IsAddressable(string name) => new BlobUriBuilder(Inbox.GetBlobClient(name).Uri).BlobName == name;

    /// <summary>
    /// Records, once (create-if-absent), why an inbox job cannot be worked on when it cannot even be leased: the
    /// record goes to <c>poison/_unaddressable/…error.json</c> quoting the name; the job itself stays in the inbox,
    /// since nothing that cannot address it can move it. False when the record existed already.
    /// </summary>
    public Task<bool> QuarantineAsync(InboxEntry entry, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var record = new PoisonRecord(reason, 0, Options.WorkerId, DateTimeOffset.UtcNow, entry.Size, entry.Name);
        return CreateIfAbsentAsync(
            Poison.GetBlobClient(QueueNames.UnaddressableErrorOf(entry.Name)),
            record.ToBinaryData(),
            "application/json",
            cancellationToken
        );
    }

    /// <summary>
    /// Unleased inbox jobs from one listing (with their metadata, which saves each claim a request), rotated to start
    /// at a random place so that competing workers spread over the inbox instead of all racing for its first blob.
    /// </summary>
    public async Task<IReadOnlyList<InboxEntry>> ListCandidatesAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<InboxEntry>();
        await foreach (
            var page in Inbox
                .GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, cancellationToken)
                .AsPages(pageSizeHint: Options.ListPageSize)
        )
        {
            foreach (var blob in page.Values)
                if (blob.Properties.LeaseState != LeaseState.Leased)
                    entries.Add(
                        new InboxEntry(
                            blob.Name,
                            blob.Properties.ContentLength ?? 0,
                            blob.Properties.ETag,
                            blob.Metadata
                        )
                    );
            break;
        }
        var start = entries.Count == 0 ? 0 : Random.Shared.Next(entries.Count);
        return [.. entries.Skip(start), .. entries.Take(start)];
    }

    /// <summary>
    /// Leases a job and counts the attempt in its metadata (under the lease). Null when another worker holds it or
    /// it is gone. The returned job renews its lease at half-life until it is completed, poisoned or abandoned.
    /// </summary>
    public Task<ClaimedJob?> TryClaimAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return TryClaimAsync(new InboxEntry(name, 0), cancellationToken);
    }

    /// <summary>
    /// As <see cref="TryClaimAsync(string, CancellationToken)"/> for a listed job: the attempt is counted from the
    /// listed metadata when the blob is unchanged since the listing (ETag condition), else read again first.
    /// </summary>
    public async Task<ClaimedJob?> TryClaimAsync(InboxEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var blob = Inbox.GetBlobClient(entry.Name);
        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(Options.LeaseDuration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409)
        {
            return null; // taken by another worker, or already finished
        }

        var conditions = new BlobRequestConditions { LeaseId = lease.LeaseId };
        try
        {
            if (entry.ETag is { } listed && entry.Metadata is not null)
            {
                // A 412 here means another claim changed the blob since the listing: read its metadata again below.
                var unchanged = new BlobRequestConditions { LeaseId = lease.LeaseId, IfMatch = listed };
                try
                {
                    return await CountAttemptAsync(
                        blob,
                        lease,
                        entry.Metadata,
                        entry.Size,
                        unchanged,
                        cancellationToken
                    );
                }
                catch (RequestFailedException e) when (e.Status == 412 && e.ErrorCode == BlobErrorCode.ConditionNotMet)
                { }
            }
            BlobProperties properties = await blob.GetPropertiesAsync(conditions, cancellationToken);
            return await CountAttemptAsync(
                blob,
                lease,
                properties.Metadata,
                properties.ContentLength,
                conditions,
                cancellationToken
            );
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return null; // deleted or lease broken between acquire and metadata
        }
        catch
        {
            // Don't leave a lease hanging for its full duration when storage failed half-way.
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
            }
            catch (RequestFailedException) { }
            catch (HttpRequestException) { }
            throw;
        }
    }

    async Task<ClaimedJob> CountAttemptAsync(
        BlobClient blob,
        BlobLeaseClient lease,
        IDictionary<string, string> current,
        long size,
        BlobRequestConditions conditions,
        CancellationToken cancellationToken
    )
    {
        var metadata = new Dictionary<string, string>(current, StringComparer.OrdinalIgnoreCase);
        var attempt = (metadata.TryGetValue(AttemptsKey, out var text) && int.TryParse(text, out var n) ? n : 0) + 1;
        metadata[AttemptsKey] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata[WorkerKey] = MetadataValue.Sanitize(Options.WorkerId);
        await blob.SetMetadataAsync(metadata, conditions, cancellationToken);
        return new ClaimedJob(this, blob, lease, attempt, size, metadata);
    }

    /// <summary>Counts of the three containers (lists every blob, so it costs one request per 5,000 blobs).</summary>
    public async Task<QueueCounts> GetCountsAsync(CancellationToken cancellationToken = default)
    {
        int inbox = 0,
            leased = 0,
            results = 0,
            poison = 0,
            quarantined = 0;
        await foreach (var blob in Inbox.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            inbox++;
            if (blob.Properties.LeaseState == LeaseState.Leased)
                leased++;
        }
        await foreach (var blob in Results.GetBlobsAsync(cancellationToken: cancellationToken))
            if (blob.Name.EndsWith(QueueNames.ResultSuffix, StringComparison.Ordinal))
                results++;
        await foreach (var blob in Poison.GetBlobsAsync(cancellationToken: cancellationToken))
            if (blob.Name.StartsWith(QueueNames.UnaddressableFolder, StringComparison.Ordinal))
                quarantined++;
            else if (!blob.Name.EndsWith(QueueNames.ErrorSuffix, StringComparison.Ordinal))
                poison++;
        return new QueueCounts(inbox, leased, results, poison, quarantined);
    }
}

/// <summary>An inbox blob seen by a listing: its size, and its ETag and metadata then (null when not listed).</summary>
public sealed record InboxEntry(
    string Name,
    long Size,
    ETag? ETag = null,
    IDictionary<string, string>? Metadata = null
);
