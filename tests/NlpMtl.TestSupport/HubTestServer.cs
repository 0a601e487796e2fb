using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NlpMtl.TestSupport;

/// <summary> The Hub's HTTP API shapes over a repository held in memory: <c>/api/models/{repo}/revision/{rev}</c> (sha,
/// siblings), <c>/api/models/{repo}/tree/{commit}</c> (oid, size, lfs.oid/size), and
/// <c>/{repo}/resolve/{rev}/{file}</c>: LFS files answer 302 to a CDN on another port with X-Repo-Commit, X-Linked-Etag
/// and X-Linked-Size, as the Hub does; other files are served directly with their git blob id as ETag. </summary>
public sealed class HubTestServer : IDisposable
{
    readonly LocalHttpServer server;
    readonly LocalHttpServer cdn; // another port, so another origin: the client must not send it the token

    public HubTestServer(string repo, IReadOnlyDictionary<string, byte[]> files)
    {
        Repo = repo;
        Files = files;
        Commit = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        server = new LocalHttpServer(HandleAsync);
        cdn = new LocalHttpServer(context =>
            ServeContentAsync(context, Uri.UnescapeDataString(context.Request.Url!.AbsolutePath)["/cdn/".Length..])
        );
    }

    public string Repo { get; }
    public string Commit { get; }
    public IReadOnlyDictionary<string, byte[]> Files { get; }
    public Uri Endpoint => server.BaseUri;
    public LocalHttpServer Http => server;

    /// <summary>Where LFS files redirect to, as the Hub's CDN: paths <c>/cdn/FILE</c>.</summary>
    public LocalHttpServer Cdn => cdn;
    public int RequestCount => server.Requests.Count + cdn.Requests.Count;

    /// <summary>The next GET of this file's content sends this many bytes, then drops the connection (once).</summary>
    public (string File, int Bytes)? CutOnce { get; set; }

    /// <summary>This file's content is served with its first byte flipped; the tree still states the true
    /// hashes.</summary>
    public string? Corrupt { get; set; }

    /// <summary>When set, API and resolve requests without this bearer token answer 401.</summary>
    public string? RequiredToken { get; set; }

    static bool IsLfs(string file) =>
        file.EndsWith(".safetensors", StringComparison.Ordinal) || file.EndsWith(".bin", StringComparison.Ordinal);

    static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    static string GitBlobId(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    async Task HandleAsync(HttpListenerContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        var response = context.Response;
        if (RequiredToken is { } token && context.Request.Headers["Authorization"] != $"Bearer {token}")
        {
            response.StatusCode = 401;
            return;
        }
        var api = $"/api/models/{Repo}/";
        if (path.StartsWith(api + "revision/", StringComparison.Ordinal))
        {
            await WriteJsonAsync(
                response,
                new
                {
                    id = Repo,
                    sha = Commit,
                    siblings = Files.Keys.Select(f => new { rfilename = f }),
                }
            );
            return;
        }
        if (path == api + $"tree/{Commit}")
        {
            await WriteJsonAsync(
                response,
                Files.Select(p =>
                    new Dictionary<string, object?>
                    {
                        ["type"] = "file",
                        ["oid"] = GitBlobId(p.Value),
                        ["size"] = IsLfs(p.Key) ? 134 : p.Value.Length, // an LFS file's git blob is its pointer
                        ["path"] = p.Key,
                        ["lfs"] = IsLfs(p.Key)
                            ? new
                            {
                                oid = Sha256(p.Value),
                                size = p.Value.Length,
                                pointerSize = 134,
                            }
                            : null,
                    }
                        .Where(e => e.Value is not null)
                        .ToDictionary()
                )
            );
            return;
        }
        var resolve = $"/{Repo}/resolve/";
        if (path.StartsWith(resolve, StringComparison.Ordinal))
        {
            var rest = path[resolve.Length..];
            var file = rest[(rest.IndexOf('/') + 1)..];
            if (!Files.TryGetValue(file, out var data))
            {
                response.StatusCode = 404;
                return;
            }
            response.Headers["X-Repo-Commit"] = Commit;
            if (IsLfs(file))
            {
                response.StatusCode = 302;
                response.Headers["X-Linked-Etag"] = $"\"{Sha256(data)}\"";
                response.Headers["X-Linked-Size"] = data.Length.ToString();
                response.Headers["Location"] = new Uri(cdn.BaseUri, $"cdn/{file}").AbsoluteUri;
                return;
            }
            response.Headers["ETag"] = $"\"{GitBlobId(data)}\"";
            await ServeContentAsync(context, file);
            return;
        }
        response.StatusCode = 404;
    }

    async Task ServeContentAsync(HttpListenerContext context, string file)
    {
        var data = Files[file];
        if (Corrupt == file)
            data = [(byte)(data[0] ^ 0xFF), .. data.AsSpan(1)];
        int? cut = null;
        lock (this)
        {
            if (CutOnce is { } c && c.File == file)
            {
                cut = c.Bytes;
                CutOnce = null;
            }
        }
        await LocalHttpServer.WriteBytesAsync(context, data, cut);
    }

    static async Task WriteJsonAsync(HttpListenerResponse response, object value)
    {
        response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    public void Dispose()
    {
        server.Dispose();
        cdn.Dispose();
    }
}
