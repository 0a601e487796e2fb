namespace NlpMtl.Queue;

/// <summary>Settings of a <see cref="BlobWorkQueueClient"/>; read once when the client is created.</summary>
public sealed class BlobWorkQueueClientOptions
{
    /// <summary>Containers are <c>&lt;prefix&gt;-inbox</c>, <c>-results</c> and <c>-poison</c>.</summary>
    public string ContainerPrefix { get; set; } = "nlpmtl";

    /// <summary>Blob lease length; Azure allows 15 to 60 s. The worker renews at half of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Claims of one job before transient failures send it to poison (Azure Functions' default is
    /// 5).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Jobs larger than this go to poison without being downloaded.</summary>
    public long MaxJobBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Recorded in metadata and poison records so an operator can tell which worker did what.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Inbox blobs looked at per listing; competing workers start at random offsets inside it.</summary>
    public int ListPageSize { get; set; } = 1000;
}
