using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs.Models;

namespace NlpMtl.Queue.Tests;

/// <summary>The acceptance scenarios with real worker processes (the serve pipeline) on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WorkerProcessTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ThreeWorkerProcessesFinish300JobsWithOneResultEach()
    {
        var queue = new TestQueue(azurite, "three");
        // Few slots each, and every worker polling before the jobs arrive, so that all three compete for them.
        var settings = new Dictionary<string, string>
        {
            ["TestWorker:BatchDelayMs"] = "5",
            ["Queue:MaxConcurrentJobs"] = "8",
        };
        var workers = Enumerable
            .Range(0, 3)
            .Select(_ => WorkerProcess.Start(azurite, queue.Prefix, settings))
            .ToArray();
        try
        {
            foreach (var worker in workers)
                Assert.True(
                    await worker.WaitForLogAsync(l => l.Contains("Serving "), TimeSpan.FromSeconds(60)),
                    worker.Log
                );
            var names = await queue.EnqueueManyAsync(300);
            var counts = await queue.WaitAsync(c => c.Results == 300 && c.Inbox == 0, TimeSpan.FromSeconds(150));
            Assert.Equal(0, counts.Poison);
            var results = await queue.ResultNamesAsync();
            Assert.Equal(names.Select(QueueNames.ResultOf).Order(), results.Order());
            var sample = await queue.ReadAsync(queue.Client.Results, QueueNames.ResultOf(names[42]));
            Assert.Contains($"\"id\":\"{names[42]}\"", sample);
            // Competing workers spread over the inbox: each one finished a share of the jobs.
            Assert.All(workers, w => Assert.True(w.Count("Finished ") > 0, w.Log));
            // Each job written once, by one worker. On a failure, every "Finished" line's outcome, counted: another
            // outcome (a job finished twice) and a missing log line are different faults.
            Assert.True(300 == workers.Sum(w => w.Count("(Written)")), FinishedOutcomes(workers));
        }
        finally
        {
            foreach (var worker in workers)
                await worker.DisposeAsync();
        }
    }

    static string FinishedOutcomes(IEnumerable<WorkerProcess> workers) =>
        "Finished lines by outcome: "
        + string.Join(
            ", ",
            workers
                .SelectMany(w => w.Lines)
                .Where(l => l.Contains("Finished ", StringComparison.Ordinal))
                .GroupBy(l => l[(l.LastIndexOf('(') + 1)..].TrimEnd(')'))
                .Select(g => $"{g.Key} {g.Count()}")
        );

    [Fact]
    public async Task SigkilledWorkersJobIsFinishedByAnotherAfterTheLeaseExpires()
    {
        var queue = new TestQueue(azurite, "kill");
        await queue.Client.CreateIfNotExistsAsync();
        await queue.Client.EnqueueAsync("slow.json", TestQueue.Job("1", "takes a while"));

        await using var doomed = WorkerProcess.Start(
            azurite,
            queue.Prefix,
            new Dictionary<string, string> { ["TestWorker:DocumentDelayMs"] = "120000" }
        );
        Assert.True(
            await doomed.WaitForLogAsync(l => l.Contains("Claimed slow.json"), TimeSpan.FromSeconds(60)),
            doomed.Log
        );
        var staleLease = Assert.Single(doomed.LeasesOf("slow.json"));
        doomed.KillHard();
        Assert.True(await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        var killed = Stopwatch.StartNew();

        await using var rescuer = WorkerProcess.Start(
            azurite,
            queue.Prefix,
            new Dictionary<string, string> { ["TestWorker:DocumentDelayMs"] = "3000" }
        );
        Assert.True(
            await rescuer.WaitForLogAsync(l => l.Contains("Claimed slow.json (attempt 2"), TimeSpan.FromSeconds(60)),
            rescuer.Log
        );
        Assert.True(
            killed.Elapsed > TimeSpan.FromSeconds(10),
            $"claimed again after {killed.Elapsed}: before the 15 s lease expired?"
        );

        // While the rescuer works, anything the killed worker might still send under its lease is refused.
        var job = queue.Client.Inbox.GetBlobClient("slow.json");
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() =>
            job.DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { LeaseId = staleLease })
        );
        Assert.True(refused.Status is 409 or 412, $"status {refused.Status}");

        var counts = await queue.WaitAsync(c => c.Results == 1 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.Equal(0, counts.Poison);
        Assert.Equal(["slow.json.result.jsonl"], await queue.ResultNamesAsync());
    }

    [Fact]
    public async Task EachPoisonInputLandsInPoisonWithAReasonWhileGoodJobsFlow()
    {
        var queue = new TestQueue(azurite, "poison");
        await queue.Client.CreateIfNotExistsAsync();
        var bad = new Dictionary<string, (BinaryData Content, string Reason)>
        {
            ["empty.json"] = (BinaryData.FromBytes([]), "empty job"),
            ["invalid-utf8.json"] = (BinaryData.FromBytes([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]), "invalid UTF-8"),
            ["malformed.json"] = (BinaryData.FromString("{\"id\":\"1\",\"text\":"), "malformed JSON"),
            ["schema.json"] = (BinaryData.FromString("{\"id\":\"1\",\"body\":\"no text field\"}"), "schema"),
            ["unknown-task.json"] = (TestQueue.Job("1", "x", "classify"), "unknown task 'classify'"),
            ["too-big.jsonl"] = (BinaryData.FromBytes(new byte[3 * 1024 * 1024]), "over the size limit"),
            ["binary.png"] = (
                BinaryData.FromBytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]),
                "binary"
            ),
            ["throws.json"] = (TestQueue.Job("1", "THROW please"), "failed 2 attempts"),
            ["duplicate-ids.jsonl"] = (
                BinaryData.FromString("{\"id\":\"7\",\"text\":\"x\"}\n{\"id\":\"7\",\"text\":\"y\"}\n"),
                "documents 1 and 2 have the same id '7'"
            ),
        };
        var good = Enumerable.Range(1, 24).Select(i => $"good-{i:D2}.json").ToList();
        // Interleave good and bad jobs so the worker meets them mixed.
        foreach (var (name, index) in good.Select((n, i) => (n, i)))
        {
            await queue.Client.EnqueueAsync(name, TestQueue.Job(name, "a fine document", "sentiment", "summarize"));
            if (index < bad.Count)
            {
                var (badName, (content, _)) = bad.ElementAt(index);
                await queue.Client.EnqueueAsync(badName, content);
            }
        }

        await using var worker = WorkerProcess.Start(
            azurite,
            queue.Prefix,
            new Dictionary<string, string> { ["Queue:MaxJobBytes"] = "1048576", ["Queue:MaxAttempts"] = "2" }
        );
        // The whole state: a finished job's lease goes after its result and inbox blob.
        var expected = new QueueCounts(0, 0, good.Count, bad.Count);
        var counts = await queue.WaitAsync(c => c == expected, TimeSpan.FromSeconds(60));
        Assert.Equal(expected, counts);
        foreach (var (name, (_, reason)) in bad)
        {
            var record = await queue.ReadAsync(queue.Client.Poison, QueueNames.ErrorOf(name));
            Assert.Contains(reason, record);
            Assert.Contains("\"attempts\"", record);
            Assert.Contains("\"worker\"", record);
        }
        var result = await queue.ReadAsync(queue.Client.Results, QueueNames.ResultOf("good-07.json"));
        Assert.Equal(2, result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task SigtermMidBatchExitsWithinTheShutdownTimeoutAndLosesNoJob()
    {
        var queue = new TestQueue(azurite, "term");
        var names = await queue.EnqueueManyAsync(24);
        // Batches far slower than the shutdown timeout: in-flight jobs cannot finish and must be released.
        await using var worker = WorkerProcess.Start(
            azurite,
            queue.Prefix,
            new Dictionary<string, string>
            {
                ["TestWorker:BatchDelayMs"] = "30000",
                ["Queue:MaxConcurrentJobs"] = "4",
                ["HostOptions:ShutdownTimeout"] = "00:00:06",
            }
        );
        Assert.True(await worker.WaitForLogAsync(l => l.Contains("Claimed "), TimeSpan.FromSeconds(60)), worker.Log);
        await Task.Delay(1000); // mid-batch
        var inFlight = (await queue.Client.GetCountsAsync()).Leased;
        Assert.True(inFlight > 0);

        var stopping = Stopwatch.StartNew();
        worker.Terminate();
        Assert.True(
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(12)),
            "did not exit after SIGTERM\n" + worker.Log
        );
        // timeout + process teardown on a loaded machine
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(6 + 3), $"took {stopping.Elapsed}");
        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(new QueueCounts(24, 0, 0, 0), await queue.Client.GetCountsAsync()); // released, not lost
        Assert.True(worker.Count("Released ") >= 1, worker.Log);

        // A fast worker picks every job up at once (no waiting for lease expiry).
        await using var next = WorkerProcess.Start(azurite, queue.Prefix);
        var counts = await queue.WaitAsync(c => c.Results == 24 && c.Inbox == 0, TimeSpan.FromSeconds(60));
        Assert.Equal(0, counts.Poison);
    }
}
