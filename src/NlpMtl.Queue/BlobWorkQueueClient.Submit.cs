using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace NlpMtl.Queue;

public sealed partial class BlobWorkQueueClient
{
    /// <summary>
    /// Adds a job so that its content is never lost or confused with other content under the same name: under
    /// <paramref name="name"/> when that is free, under <see cref="QueueNames.Versioned"/> when a job of that name is
    /// waiting or done with other content, not at all when the same content is waiting or done already.
    /// <paramref name="unique"/> always uses the versioned (content-addressed) name.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(
        string name,
        BinaryData content,
        bool unique = false,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(content);
        var hash = QueueNames.ContentHash(content.ToMemory().Span);
        var target = unique ? QueueNames.Versioned(name, hash) : name;
        var outcome = SubmitOutcome.Added;
        switch (await HashOfAsync(Results, QueueNames.ResultOf(target), cancellationToken))
        {
            case { } done when done == hash:
                return new SubmitResult(target, SubmitOutcome.AlreadyDone);
            case not null:
                target = QueueNames.Versioned(name, hash);
                outcome = SubmitOutcome.AddedUnderNewName;
                if (await HashOfAsync(Results, QueueNames.ResultOf(target), cancellationToken) == hash)
                    return new SubmitResult(target, SubmitOutcome.AlreadyDone);
                break;
        }
        var metadata = new Dictionary<string, string> { [ContentHashKey] = hash };
        while (true)
        {
            if (
                await CreateIfAbsentAsync(
                    Inbox.GetBlobClient(target),
                    content,
                    contentType: null,
                    cancellationToken,
                    metadata
                )
            )
                return new SubmitResult(target, outcome);
            // A job of that name is waiting: the same content (nothing to do), or other content (a name of its own).
            if (await HashOfAsync(Inbox, target, cancellationToken) is { } waiting && waiting == hash)
                return new SubmitResult(target, SubmitOutcome.AlreadyWaiting);
            if (target == QueueNames.Versioned(name, hash))
                throw new InvalidOperationException(
                    $"{target} is waiting with other content than its name says; not enqueued"
                );
            target = QueueNames.Versioned(name, hash);
            outcome = SubmitOutcome.AddedUnderNewName;
        }
    }

    /// <summary>The content hash a blob records; "" when it records none, null when there is no such blob.</summary>
    internal static async Task<string?> HashOfAsync(
        BlobContainerClient container,
        string name,
        CancellationToken cancellationToken
    )
    {
        try
        {
            BlobProperties properties = await container
                .GetBlobClient(name)
                .GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Metadata.TryGetValue(ContentHashKey, out var hash) ? hash : "";
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}

/// <summary>What <see cref="BlobWorkQueueClient.SubmitAsync"/> did, and under which job name.</summary>
public sealed record SubmitResult(string Name, SubmitOutcome Outcome);

public enum SubmitOutcome
{
    /// <summary>Enqueued under the name asked for.</summary>
    Added,

    /// <summary>The name was waiting or done with other content: enqueued under a versioned name.</summary>
    AddedUnderNewName,

    /// <summary>The same content is waiting under that name already; nothing added.</summary>
    AlreadyWaiting,

    /// <summary>The same content has a result under that name already; nothing added.</summary>
    AlreadyDone,
}
