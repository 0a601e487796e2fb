namespace NlpMtl.Queue.Tests;

/// <summary>
/// Misconfiguration and unreachable storage at start (issue 17, defect 5): the worker (serve's wiring and exit
/// codes) stops before starting with one line naming the key and a non-zero exit, never a stack trace or XML.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StartupTests(AzuriteFixture azurite)
{
    public static TheoryData<string, string, string> BadSettings =>
        new()
        {
            {
                "Queue:DefaultTasks:0",
                "astrology",
                "Queue:DefaultTasks:0 is 'astrology', which the processor does not run"
            },
            {
                "Storage:ConnectionString",
                "not a connection string",
                "Storage:ConnectionString is not a storage connection string"
            },
            { "HostOptions:ShutdownTimeout", "-00:00:05", "HostOptions:ShutdownTimeout must not be negative" },
            { "Queue:MinPollMs", "5000", "Queue:MinPollMs (5000) is above Queue:MaxPollMs (500)" },
            { "Queue:LeaseSeconds", "5", "Queue:LeaseSeconds: " },
            { "Queue:MaxConcurrentJobs", "many", "Queue:MaxConcurrentJobs" },
        };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task EachBadSettingStopsTheStartWithOneLineNamingItsKey(string key, string value, string expected)
    {
        await using var worker = WorkerProcess.Start(
            azurite,
            azurite.NewPrefix("badopt"),
            new Dictionary<string, string> { [key] = value }
        );
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), worker.Log);
        Assert.NotEqual(0, worker.ExitCode);
        var line = Assert.Single(worker.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nlpmtl: ", line);
        Assert.Contains(expected, line);
        if (key == "Storage:ConnectionString")
            Assert.DoesNotContain(value, line); // a secret is never echoed
    }

    [Fact]
    public async Task RefusedCredentialsStopTheWorkerAtOnceWithAShortLine()
    {
        var wrongKey = System.Text.RegularExpressions.Regex.Replace(
            azurite.ConnectionString,
            "AccountKey=[^;]+",
            "AccountKey=" + Convert.ToBase64String(new byte[64])
        );
        await using var worker = WorkerProcess.Start(
            azurite,
            azurite.NewPrefix("badkey"),
            new Dictionary<string, string> { ["Storage:ConnectionString"] = wrongKey }
        );
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), worker.Log);
        Assert.NotEqual(0, worker.ExitCode);
        var last = worker.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("nlpmtl: storage refused the credentials: storage answered 403", last);
        Assert.Contains("check the account name and key", last);
        Assert.True(last.Length < 400, last);
        Assert.DoesNotContain("<?xml", worker.Log);
        Assert.DoesNotContain("   at ", worker.Log);
    }

    [Fact]
    public async Task UnreachableStorageEndsTheWorkerAfterTheStartupTimeout()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // a port nothing listens on
        var wrongPort = System.Text.RegularExpressions.Regex.Replace(
            azurite.ConnectionString,
            @"127\.0\.0\.1:\d+",
            $"127.0.0.1:{port}"
        );
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var worker = WorkerProcess.Start(
            azurite,
            azurite.NewPrefix("noport"),
            new Dictionary<string, string>
            {
                ["Storage:ConnectionString"] = wrongPort,
                ["Storage:StartupTimeout"] = "00:00:03",
            }
        );
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(40)), worker.Log);
        Assert.True(started.Elapsed > TimeSpan.FromSeconds(3), $"gave up after {started.Elapsed}");
        Assert.NotEqual(0, worker.ExitCode);
        var last = worker.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith(
            "nlpmtl: storage not reachable within Storage:StartupTimeout (00:00:03): cannot connect to storage",
            last
        );
        Assert.Contains($"127.0.0.1:{port}", last);
        Assert.DoesNotContain("   at ", worker.Log);
    }

    [Fact]
    public async Task QueueVerbsReportStorageErrorsOnOneShortLine()
    {
        var wrongKey = System.Text.RegularExpressions.Regex.Replace(
            azurite.ConnectionString,
            "AccountKey=[^;]+",
            "AccountKey=" + Convert.ToBase64String(new byte[64])
        );
        var (exit, _, error) = await CliProcess.RunAsync(
            new Dictionary<string, string> { ["Storage:ConnectionString"] = wrongKey },
            "status"
        );
        Assert.Equal(1, exit);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("nlpmtl: storage answered 403 ", line);
        Assert.Contains("check the account name and key", line);
        Assert.True(line.Length < 400, line);

        (exit, _, error) = await CliProcess.RunAsync(
            new Dictionary<string, string> { ["Storage:ConnectionString"] = "garbage" },
            "status"
        );
        Assert.Equal(1, exit);
        Assert.Contains(
            "Storage:ConnectionString is not a storage connection string",
            Assert.Single(error.TrimEnd().Split('\n'))
        );
    }
}
