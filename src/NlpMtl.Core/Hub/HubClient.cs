using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using NlpMtl.Core.Downloads;

namespace NlpMtl.Core.Hub;

/// <summary>
/// Reads model repositories from the Hugging Face Hub into its standard cache: the revision API for the commit, the
/// tree API for sizes and hashes, <c>resolve</c> URLs for content (redirects to the CDN followed without the token).
/// Every file is verified against the size and hash the tree states before it enters the cache.
/// </summary>
public sealed class HubClient
{
    readonly HttpFileDownloader downloader;

    public HubClient(HubClientOptions? options = null)
    {
        Options = options ?? new HubClientOptions();
        Cache = new HubCache(Options.CacheDirectory);
        downloader = new HttpFileDownloader(HttpFileDownloader.Shared)
        {
            MaxAttempts = Options.MaxAttempts,
            RetryDelay = Options.RetryDelay,
        };
    }

    public HubClientOptions Options { get; }
    public HubCache Cache { get; }

    /// <summary>The commit <paramref name="id"/>'s revision points at now, and that commit's top-level files.</summary>
    public async Task<HubSnapshot> GetSnapshotAsync(HubModelId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Options.Offline)
            throw new InvalidOperationException($"{id}: HF_HUB_OFFLINE is set, so the Hub cannot be asked");
        using var info = await GetJsonAsync(
            id,
            Api(id, $"revision/{Uri.EscapeDataString(id.Revision)}"),
            cancellationToken
        );
        var commit = info.RootElement.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
        if (commit is null)
            throw new InvalidDataException($"{id}: the Hub's revision answer has no 'sha'");

        var files = new Dictionary<string, HubRepoFile>(StringComparer.Ordinal);
        for (Uri? page = Api(id, $"tree/{commit}"); page is not null; )
        {
            using var response = await SendApiAsync(id, page, cancellationToken);
            using var tree = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var entry in tree.RootElement.EnumerateArray())
            {
                if (entry.GetProperty("type").GetString() != "file")
                    continue;
                var path = entry.GetProperty("path").GetString()!;
                string? sha256 = null;
                var size = entry.GetProperty("size").GetInt64();
                if (entry.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
                {
                    sha256 = lfs.GetProperty("oid").GetString();
                    size = lfs.GetProperty("size").GetInt64();
                }
                files[path] = new HubRepoFile(path, size, entry.GetProperty("oid").GetString()!, sha256);
            }
            page = NextPage(response.Headers);
        }
        return new HubSnapshot(id, commit, files);
    }

    /// <summary> Puts <paramref name="file"/>'s content into the cache's blobs (no request when it is there already)
    /// and returns the blob's path. The snapshot is not linked: <see cref="DownloadAsync"/> links a set of files once
    /// all are verified. </summary>
    public async Task<string> DownloadBlobAsync(
        HubSnapshot snapshot,
        string file,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var entry = snapshot.Files.GetValueOrDefault(file)
            ?? throw new FileNotFoundException(
                $"{snapshot.Id}: the repository has no {file} at commit {snapshot.Commit}"
            );
        var blob = Cache.BlobPath(snapshot.Id, entry.Etag);
        if (File.Exists(blob))
            return blob;
        await using var held = await Cache.LockAsync(snapshot.Id, entry.Etag, cancellationToken);
        if (File.Exists(blob))
            return blob; // another process finished it while we waited
        await downloader.DownloadAsync(
            new DownloadRequest(Resolve(snapshot, file), blob, file)
            {
                Size = entry.Size,
                Checksums = [entry.Sha256 is { } sha256 ? Checksum.Sha256(sha256) : Checksum.GitBlobSha1(entry.BlobId)],
                BearerToken = Options.Token,
                CheckFirstResponse = headers => CheckHeaders(snapshot, entry, headers),
            },
            progress,
            cancellationToken
        );
        return blob;
    }

    /// <summary> Downloads <paramref name="files"/> (each verified), then links them into <c>snapshots/COMMIT/</c> and
    /// records the revision's ref. A file that fails verification stops the call before any link is made. Returns the
    /// snapshot folder. </summary>
    public async Task<string> DownloadAsync(
        HubSnapshot snapshot,
        IReadOnlyCollection<string> files,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(files);
        foreach (var file in files.Where(f => !Cache.HasFile(snapshot.Id, snapshot.Commit, f)))
            await DownloadBlobAsync(snapshot, file, progress, cancellationToken);
        foreach (var file in files.Where(f => !Cache.HasFile(snapshot.Id, snapshot.Commit, f)))
            Cache.Link(snapshot.Id, snapshot.Commit, file, snapshot.Files[file].Etag);
        Cache.WriteRef(snapshot.Id, snapshot.Commit);
        return Cache.SnapshotDirectory(snapshot.Id, snapshot.Commit);
    }

    Uri Api(HubModelId id, string rest) =>
        new($"{Options.Endpoint.AbsoluteUri.TrimEnd('/')}/api/models/{id.Repo}/{rest}");

    Uri Resolve(HubSnapshot snapshot, string file) =>
        new(
            $"{Options.Endpoint.AbsoluteUri.TrimEnd('/')}/{snapshot.Id.Repo}/resolve/{snapshot.Commit}/"
                + string.Join('/', file.Split('/').Select(Uri.EscapeDataString))
        );

    /// <summary>The Hub states the commit it served and the content's hash and size; any disagreement with the tree is
    /// an error.</summary>
    static void CheckHeaders(HubSnapshot snapshot, HubRepoFile entry, HttpResponseHeaders headers)
    {
        if (Header(headers, "X-Repo-Commit") is { } commit && commit != snapshot.Commit)
            throw new InvalidDataException($"{entry.Path}: the Hub served commit {commit}, expected {snapshot.Commit}");
        var etag = Header(headers, "X-Linked-Etag") ?? headers.ETag?.Tag;
        if (etag is not null && NormalizeEtag(etag) != entry.Etag)
            throw new InvalidDataException(
                $"{entry.Path}: the Hub's ETag is {NormalizeEtag(etag)}, the tree says {entry.Etag}"
            );
        if (Header(headers, "X-Linked-Size") is { } size && long.TryParse(size, out var linked) && linked != entry.Size)
            throw new InvalidDataException($"{entry.Path}: the Hub states {linked} bytes, the tree says {entry.Size}");
    }

    static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>As huggingface_hub: weak-validator prefix and quotes removed.</summary>
    static string NormalizeEtag(string etag) =>
        (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');

    static Uri? NextPage(HttpResponseHeaders headers)
    {
        if (!headers.TryGetValues("Link", out var links))
            return null;
        foreach (var part in links.SelectMany(l => l.Split(',')))
        {
            var pieces = part.Split(';');
            if (pieces.Skip(1).Any(p => p.Trim() == "rel=\"next\""))
                return new Uri(pieces[0].Trim().Trim('<', '>'));
        }
        return null;
    }

    async Task<JsonDocument> GetJsonAsync(HubModelId id, Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendApiAsync(id, url, cancellationToken);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    async Task<HttpResponseMessage> SendApiAsync(HubModelId id, Uri url, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        // A renamed repository answers with a redirect to its new name on the same host: follow it with the token.
        for (var hop = 0; ; hop++, url = new Uri(url, response.Headers.Location!))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (Options.Token is { } token)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            response = await HttpFileDownloader.Shared.SendAsync(request, cancellationToken);
            if (
                (int)response.StatusCode is not (301 or 302 or 307 or 308)
                || response.Headers.Location is not { } location
                || hop == 5
                || new Uri(url, location).Authority != url.Authority
            )
                break;
            response.Dispose();
        }
        if (response.IsSuccessStatusCode)
            return response;
        response.Dispose();
        var hint = response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Unauthorized when Options.Token is null =>
                " (no such model or revision; a private or gated model needs HF_TOKEN)",
            HttpStatusCode.NotFound => " (no such model or revision, or the token has no access)",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " (the token was refused)",
            _ => "",
        };
        throw new HttpRequestException(
            $"{id}: GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}{hint}",
            null,
            response.StatusCode
        );
    }
}
