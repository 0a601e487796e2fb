using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NlpMtl.Worker.Emulator;

/// <summary> An Azurite blob emulator started for one run (the demo, the integration tests), on a free loopback port
/// with its own data folder. <see cref="StopAsync"/> and <see cref="RestartAsync"/> simulate a storage outage (the data
/// survives, the port stays); disposing stops it and deletes the folder. </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    const string Account = "devstoreaccount1";

    // Azurite's documented development key: public, not a secret.
    const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    readonly string executable;
    Process? process;

    AzuriteServer(string executable, int port, string dataDirectory)
    {
        this.executable = executable;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }
    public string DataDirectory { get; }
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};"
        + $"BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    /// <summary>
    /// The <c>azurite-blob</c> program to start: <c>$NLPMTL_AZURITE</c>, else the pinned copy that
    /// <c>scripts/azurite.sh install</c> puts in <c>.tools/azurite</c> under <paramref name="folder"/>, else the one on
    /// PATH (<c>npm install -g azurite</c>); null when there is none.
    /// </summary>
    public static string? Locate(string folder)
    {
        if (Environment.GetEnvironmentVariable("NLPMTL_AZURITE") is { Length: > 0 } configured)
            return configured;
        var pinned = Path.Combine(folder, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");
        if (File.Exists(pinned))
            return pinned;
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "azurite-blob"))
            .FirstOrDefault(File.Exists);
    }

    /// <param name="executable">The <c>azurite-blob</c> program (<see cref="Locate"/>).</param>
    public static async Task<AzuriteServer> StartAsync(string executable, CancellationToken cancellationToken)
    {
        if (!File.Exists(executable))
            throw new FileNotFoundException(
                $"{executable}: Azurite is not installed there; run scripts/azurite.sh install (scripts/demo.sh "
                    + $"and scripts/test.sh do)"
            );
        var server = new AzuriteServer(
            executable,
            FreePort(),
            Directory.CreateTempSubdirectory("nlpmtl-azurite-").FullName
        );
        try
        {
            await server.RestartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped emulator again on the same port and data folder.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (process is not null)
            throw new InvalidOperationException($"azurite-blob is already running on {Port}");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (
            var argument in new[]
            {
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                Port.ToString(),
                "--location",
                DataDirectory,
            }
        )
            start.ArgumentList.Add(argument);
        process = Process.Start(start) ?? throw new InvalidOperationException($"{executable}: could not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilListeningAsync(process, TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>Graceful stop (SIGTERM, so Azurite saves its data folder); SIGKILL if it has not exited after 15
    /// s.</summary>
    public async Task StopAsync()
    {
        if (process is null)
            return;
        if (!process.HasExited)
        {
            Signals.Terminate(process.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
        process = null;
    }

    async Task WaitUntilListeningAsync(Process started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (started.HasExited)
                throw new InvalidOperationException(
                    $"azurite-blob exited with code {started.ExitCode} before listening on {Port}"
                );
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
        throw new TimeoutException(
            $"azurite-blob did not listen on 127.0.0.1:{Port} within {timeout.TotalSeconds:F0} s"
        );
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
