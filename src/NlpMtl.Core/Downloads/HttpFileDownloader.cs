using System.Net;

namespace NlpMtl.Core.Downloads;

/// <summary>
/// Downloads a file into <c>DEST.incomplete</c>, resuming with an HTTP Range request after a dropped connection (in the
/// same call, up to <see cref="MaxAttempts"/> times, or in a later call), verifies size and checksums, and only then
/// renames it to its destination. A file that fails verification is deleted: nothing unverified is ever kept.
/// </summary>
public sealed class HttpFileDownloader(HttpClient http)
{
    public const string IncompleteSuffix = ".incomplete";
    const int MaxRedirects = 10;

    public int MaxAttempts { get; init; } = 5;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The process's one client (one connection pool) for the Hub and the data sets alike.</summary>
    public static HttpClient Shared { get; } = CreateHttpClient();

    /// <summary>A client that does not follow redirects itself: <see cref="SendAsync"/> does, so the token stays on its
    /// origin.</summary>
    static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // a 400 MB checkpoint may take long; cancellation is the caller's
            DefaultRequestHeaders = { { "User-Agent", "nlpmtl" } },
        };

    public async Task DownloadAsync(
        DownloadRequest request,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(request);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.Destination))!);
        var incomplete = request.Destination + IncompleteSuffix;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ReceiveAsync(request, incomplete, progress, cancellationToken);
                break;
            }
            catch (Exception e)
                when (Transient(e) && attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
        Verify(request, incomplete);
        File.Move(incomplete, request.Destination, overwrite: true);
        var length = new FileInfo(request.Destination).Length;
        progress?.Report(new DownloadProgress(request.Name, length, length, Done: true));
    }

    /// <summary>Dropped connections, truncated bodies and 5xx answers are worth another (resumed) attempt; 4xx are
    /// not.</summary>
    static bool Transient(Exception e) =>
        e switch
        {
            HttpRequestException { StatusCode: { } status } => (int)status >= 500,
            HttpRequestException or IOException => true,
            _ => false,
        };

    async Task ReceiveAsync(
        DownloadRequest request,
        string incomplete,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken
    )
    {
        var have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (request.Size is { } size)
        {
            if (have > size)
                have = Truncate(incomplete);
            if (have == size)
                return; // all bytes are here from an earlier attempt: verification decides
        }
        using var response = await SendAsync(request, have, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            Truncate(incomplete);
            throw new IOException($"{request.Name}: the server refused to resume at byte {have}; starting again");
        }
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException(
                $"{request.Name}: GET {request.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}",
                null,
                response.StatusCode
            );
        if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            have = Truncate(incomplete); // Range ignored: whole body follows
        var expected = response.Content.Headers.ContentLength is { } length ? have + length : request.Size;

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var file = new FileStream(
            incomplete,
            have > 0 ? FileMode.Append : FileMode.Create,
            FileAccess.Write,
            FileShare.None,
            1 << 16
        );
        var buffer = new byte[1 << 16];
        var received = have;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            received += read;
            progress?.Report(new DownloadProgress(request.Name, received, expected));
        }
        if (response.Content.Headers.ContentLength is { } stated && received - have < stated)
            throw new IOException($"{request.Name}: connection closed after {received} of {expected} bytes");
    }

    static long Truncate(string path)
    {
        File.Delete(path);
        return 0;
    }

    /// <summary>GET with redirects followed by hand: relative ones keep the token, other hosts never see it.</summary>
    async Task<HttpResponseMessage> SendAsync(DownloadRequest request, long from, CancellationToken cancellationToken)
    {
        var url = request.Url;
        for (var hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            if (from > 0)
                message.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, null);
            if (request.BearerToken is { } token && SameOrigin(url, request.Url))
                message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (hop == 0)
                request.CheckFirstResponse?.Invoke(response.Headers);
            if (
                (int)response.StatusCode is not (301 or 302 or 303 or 307 or 308)
                || response.Headers.Location is not { } location
            )
                return response;
            response.Dispose();
            if (hop == MaxRedirects)
                throw new HttpRequestException(
                    $"{request.Name}: more than {MaxRedirects} redirects from {request.Url}"
                );
            url = location.IsAbsoluteUri ? location : new Uri(url, location);
        }
    }

    static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    static void Verify(DownloadRequest request, string incomplete)
    {
        var length = new FileInfo(incomplete).Length;
        if (request.Size is { } size && length != size)
        {
            File.Delete(incomplete);
            throw new InvalidDataException(
                $"{request.Name}: size mismatch: expected {size} bytes, got {length} (from {request.Url}; the "
                    + $"download was deleted)"
            );
        }
        foreach (var checksum in request.Checksums)
        {
            var actual = checksum.Compute(incomplete);
            if (actual == checksum.Hex)
                continue;
            File.Delete(incomplete);
            throw new InvalidDataException(
                $"{request.Name}: {checksum.Algorithm} mismatch: expected {checksum.Hex}, got {actual} (from "
                    + $"{request.Url}; the download was deleted)"
            );
        }
    }
}
