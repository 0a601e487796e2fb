namespace NlpMtl.Queue.Tests;

/// <summary>A storage outage mid-run, on an Azurite of its own (it is stopped and restarted).</summary>
[Collection(Name)]
[Trait("Category", "Integration")]
public sealed class OutageTests
{
    const string Name = "azurite-outage";

    [Fact]
    public async Task ProcessingResumesAfterAzuriteIsDownFor20Seconds()
    {
        await using var azurite = new OwnedAzurite();
        await azurite.Fixture.InitializeAsync();
        var queue = new TestQueue(azurite.Fixture, "outage");
        var names = await queue.EnqueueManyAsync(200);
        var settings = new Dictionary<string, string>
        {
            ["TestWorker:DocumentDelayMs"] = "60",
            ["Queue:MaxConcurrentJobs"] = "4",
        };
        await using var first = WorkerProcess.Start(azurite.Fixture, queue.Prefix, settings);
        await using var second = WorkerProcess.Start(azurite.Fixture, queue.Prefix, settings);

        await queue.WaitAsync(c => c.Results >= 20, TimeSpan.FromSeconds(60));
        await azurite.Fixture.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.False(first.HasExited, first.Log);
        Assert.False(second.HasExited, second.Log);
        await azurite.Fixture.StartAsync();

        var counts = await queue.WaitAsync(c => c.Results == 200 && c.Inbox == 0, TimeSpan.FromSeconds(120));
        Assert.Equal(0, counts.Poison);
        Assert.Equal(names.Select(QueueNames.ResultOf).Order(), (await queue.ResultNamesAsync()).Order());
        Assert.True(first.Count("Claiming failed") + second.Count("Claiming failed") > 0, "the outage was not noticed");
    }

    sealed class OwnedAzurite : IAsyncDisposable
    {
        public AzuriteFixture Fixture { get; } = new();

        public async ValueTask DisposeAsync() => await Fixture.DisposeAsync();
    }
}
