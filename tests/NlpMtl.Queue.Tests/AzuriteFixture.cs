using System.Diagnostics;
using Azure.Storage.Blobs;
using NlpMtl.TestSupport;
using NlpMtl.Worker.Emulator;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// A real Azurite for the tests (<see cref="AzuriteServer"/>: the pinned npm package, a free loopback port, its own
/// data folder), installed first on a fresh machine. <see cref="StopAsync"/>/<see cref="StartAsync"/> simulate a
/// storage outage: data survives and the port stays the same.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    AzuriteServer? server;
    int prefixes;

    AzuriteServer Server => server ?? throw new InvalidOperationException("Azurite is not started");
    public string ConnectionString => Server.ConnectionString;

    /// <param name="policy">Optional per-call pipeline policy (e.g. to count requests).</param>
    public BlobServiceClient ServiceClient(int maxRetries = 2, Azure.Core.Pipeline.HttpPipelinePolicy? policy = null)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        if (policy is not null)
            options.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        return new BlobServiceClient(ConnectionString, options);
    }

    /// <summary>A fresh container prefix, so tests sharing one Azurite never see each other's jobs.</summary>
    public string NewPrefix(string name) => $"t{Interlocked.Increment(ref prefixes)}-{name}".ToLowerInvariant();

    public async Task InitializeAsync()
    {
        if (server is not null)
            return;
        EnsureInstalled();
        server = await AzuriteServer.StartAsync(
            Path.Combine(RepoPaths.Root, ".tools", "azurite", "node_modules", ".bin", "azurite-blob"),
            CancellationToken.None
        );
    }

    /// <summary>Starts Azurite again after <see cref="StopAsync"/>, on the same port and data.</summary>
    public Task StartAsync() => Server.RestartAsync(CancellationToken.None);

    /// <summary>Graceful stop (SIGTERM) so Azurite writes its data folder; SIGKILL if it hangs.</summary>
    public Task StopAsync() => Server.StopAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
            await server.DisposeAsync();
        server = null;
    }

    /// <summary>A fresh machine has no Azurite: install the pinned package the same way scripts/test.sh does.</summary>
    static void EnsureInstalled()
    {
        var script = Path.Combine(RepoPaths.Root, "scripts", "azurite.sh");
        using var install = Process.Start(
            new ProcessStartInfo("bash", [script, "install"]) { UseShellExecute = false }
        )!;
        install.WaitForExit();
        if (install.ExitCode != 0)
            throw new InvalidOperationException($"{script} install failed ({install.ExitCode})");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
