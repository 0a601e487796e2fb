using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace NlpMtl.TestSupport;

/// <summary>
/// An HTTP server on 127.0.0.1 for download tests: serves whatever <c>handle</c> writes and records every request, so
/// tests can assert what was (and was not) fetched. No test touches the internet.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    readonly HttpListener listener = new();
    readonly Func<HttpListenerContext, Task> handle;
    readonly Task loop;

    public LocalHttpServer(Func<HttpListenerContext, Task> handle)
    {
        this.handle = handle;
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>Method, path (decoded, without the query) and Range header of each request, in arrival order.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Range, string? Authorization)> Requests { get; } =
        new();

    public int CountGets(string pathSuffix) =>
        Requests.Count(r => r.Method == "GET" && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal));

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    async Task LoopAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                var request = context.Request;
                Requests.Enqueue(
                    (
                        request.HttpMethod,
                        Uri.UnescapeDataString(request.Url!.AbsolutePath),
                        request.Headers["Range"],
                        request.Headers["Authorization"]
                    )
                );
                try
                {
                    await handle(context);
                    context.Response.Close();
                }
                catch (Exception)
                {
                    context.Response.Abort();
                }
            });
        }
    }

    /// <summary>Writes <paramref name="body"/> honouring a <c>Range: bytes=N-</c> request (206), else whole
    /// (200).</summary>
    public static async Task WriteBytesAsync(HttpListenerContext context, byte[] body, int? cutAfter = null)
    {
        var response = context.Response;
        var from = 0;
        if (context.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            from = int.Parse(range["bytes=".Length..].TrimEnd('-'));
            if (from >= body.Length)
            {
                response.StatusCode = 416;
                return;
            }
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{body.Length - 1}/{body.Length}";
        }
        response.ContentLength64 = body.Length - from;
        if (cutAfter is { } cut)
        {
            // Send part of the body, then drop the connection: the client sees a truncated response.
            await response.OutputStream.WriteAsync(body.AsMemory(from, cut));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }
        await response.OutputStream.WriteAsync(body.AsMemory(from));
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException) { }
    }
}
