using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NlpMtl.Worker.Demo;

/// <summary>
/// An Azurite blob emulator started for one run: the pinned npm package that <c>scripts/azurite.sh install</c> puts in
/// <c>.tools/azurite</c>, on a free loopback port with its own data folder; disposing stops it and deletes the folder.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    const string Account = "devstoreaccount1";
    // Azurite's documented development key: public, not a secret.
    const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    readonly Process process;
    readonly string dataDirectory;

    AzuriteServer(Process process, int port, string dataDirectory)
    {
        this.process = process;
        this.dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    public static async Task<AzuriteServer> StartAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(repositoryRoot, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(executable))
            throw new FileNotFoundException($"{executable}: Azurite is not installed; run scripts/azurite.sh install (scripts/demo.sh does)");
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("nlpmtl-demo-azurite-").FullName;
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--blobHost", "127.0.0.1",
                     "--blobPort", port.ToString(), "--location", data })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable}: could not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AzuriteServer(process, port, data);
        try
        {
            await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"azurite-blob exited with code {process.ExitCode} before listening on {Port}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        throw new TimeoutException($"azurite-blob did not listen on 127.0.0.1:{Port} within {timeout.TotalSeconds:F0} s");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true); // the demo's data is throw-away: no need for a graceful save
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
