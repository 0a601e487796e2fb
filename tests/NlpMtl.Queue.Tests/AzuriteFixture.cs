using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Azure.Storage.Blobs;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// A real Azurite (the pinned npm package from scripts/azurite.sh) on a free loopback port with its own data folder,
/// stopped at the end. <see cref="StopAsync"/>/<see cref="StartAsync"/> simulate a storage outage: data survives
/// (Azurite saves it on SIGTERM) and the port stays the same.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    const string Account = "devstoreaccount1";
    // Azurite's documented development key: public, not a secret.
    const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    Process? _process;
    int _prefixes;

    public int Port { get; private set; }
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "nlpmtl-azurite-" + Guid.NewGuid().ToString("N")[..8]);
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    /// <param name="policy">Optional per-call pipeline policy (e.g. to count requests).</param>
    public BlobServiceClient ServiceClient(int maxRetries = 2, Azure.Core.Pipeline.HttpPipelinePolicy? policy = null)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        if (policy is not null) options.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        return new BlobServiceClient(ConnectionString, options);
    }

    /// <summary>A fresh container prefix, so tests sharing one Azurite never see each other's jobs.</summary>
    public string NewPrefix(string name) => $"t{Interlocked.Increment(ref _prefixes)}-{name}".ToLowerInvariant();

    public async Task InitializeAsync()
    {
        EnsureInstalled();
        Directory.CreateDirectory(DataDirectory);
        Port = FreePort();
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var bin = Path.Combine(RepoPaths.Root, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");
        var start = new ProcessStartInfo(bin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--blobHost", "127.0.0.1",
                     "--blobPort", Port.ToString(), "--location", DataDirectory })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"azurite exited with {_process.ExitCode}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"azurite did not listen on {Port} within 60 s");
    }

    /// <summary>Graceful stop (SIGTERM) so Azurite writes its data folder; SIGKILL if it hangs.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        Signals.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { _process.Kill(); await _process.WaitForExitAsync(); }
        _process.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A fresh machine has no Azurite: install the pinned package the same way scripts/test.sh does.</summary>
    static void EnsureInstalled()
    {
        var script = Path.Combine(RepoPaths.Root, "scripts", "azurite.sh");
        using var install = Process.Start(new ProcessStartInfo("bash", [script, "install"]) { UseShellExecute = false })!;
        install.WaitForExit();
        if (install.ExitCode != 0) throw new InvalidOperationException($"{script} install failed ({install.ExitCode})");
    }
}

/// <summary>POSIX signals for the processes the tests start (Process.Kill only sends SIGKILL).</summary>
static class Signals
{
    const int SIGTERM = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    public static void Terminate(int pid)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            throw new PlatformNotSupportedException("SIGTERM needs a POSIX system");
        if (Kill(pid, SIGTERM) != 0) throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
