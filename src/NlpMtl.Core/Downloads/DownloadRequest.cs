using System.Net.Http.Headers;

namespace NlpMtl.Core.Downloads;

/// <summary>One file to fetch: where from, where to, and what it must be.</summary>
public sealed record DownloadRequest(Uri Url, string Destination, string Name)
{
    /// <summary>The size the source states, checked before the file is kept (null: unknown).</summary>
    public long? Size { get; init; }
    public IReadOnlyList<Checksum> Checksums { get; init; } = [];

    /// <summary>Sent as <c>Authorization: Bearer</c>, and only to the origin of <see cref="Url"/>, never after a
    /// redirect to another host.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Sees the headers of the first response (before redirects): the Hub states commit and hashes
    /// there.</summary>
    public Action<HttpResponseHeaders>? CheckFirstResponse { get; init; }
}
