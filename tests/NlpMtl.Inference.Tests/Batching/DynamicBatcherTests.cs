using System.Collections.Concurrent;
using System.Diagnostics;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Inference.Tests.Batching;

/// <summary>The dynamic batcher with a recording processor: items are (id, length), results echo the id.</summary>
[Trait("Category", "Integration")]
public class DynamicBatcherTests
{
    sealed class Recorder
    {
        public ConcurrentQueue<(int Id, int Length)[]> Batches { get; } = new();

        public IReadOnlyList<int> Process(IReadOnlyList<(int Id, int Length)> batch, CancellationToken _)
        {
            Batches.Enqueue([.. batch]);
            return batch.Select(i => i.Id).ToList();
        }
    }

    static DynamicBatcher<(int Id, int Length), int> Batcher(
        Recorder recorder,
        int budget,
        TimeSpan delay,
        int maxBatch = 64
    ) =>
        new(
            new BatchingOptions
            {
                TokenBudget = budget,
                MaxBatchSize = maxBatch,
                MaxDelay = delay,
            },
            i => i.Length,
            recorder.Process
        );

    [Fact]
    public async Task ResultsComeBackInSubmissionOrderAndBatchesRespectTheBudget()
    {
        var recorder = new Recorder();
        var random = new Random(9);
        var items = Enumerable.Range(0, 300).Select(i => (i, random.Next(1, 200))).ToList();
        await using (var batcher = Batcher(recorder, budget: 1024, TimeSpan.FromMilliseconds(30)))
        {
            var results = await batcher.SubmitAllAsync(items);
            Assert.Equal(items.Select(i => i.Item1), results);
        }
        Assert.Equal(300, recorder.Batches.Sum(b => b.Length));
        Assert.All(recorder.Batches, b =>
            Assert.True(
                b.Length == 1 || b.Length * b.Max(i => i.Length) <= 1024,
                $"batch of {b.Length} rows × {b.Max(i => i.Length)} exceeds the budget"
            )
        );
        Assert.True(
            recorder.Batches.Count < 100,
            $"{recorder.Batches.Count} batches for 300 items: documents should share batches"
        );
    }

    [Fact]
    public async Task AFullBatchRunsWithoutWaitingForTheDelay()
    {
        var recorder = new Recorder();
        await using var batcher = Batcher(recorder, budget: 40, TimeSpan.FromSeconds(30));
        var watch = Stopwatch.StartNew();
        // 4 × 10 fills the budget
        var tasks = Enumerable.Range(0, 5).Select(i => batcher.SubmitAsync((i, 10))).ToList();
        await Task.WhenAll(tasks.Take(4)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.False(tasks[4].IsCompleted); // the fifth waits for company (or for the 30 s delay)
        Assert.Single(recorder.Batches);
    }

    [Fact]
    public async Task APartialBatchWaitsForTheMaxDelayThenRuns()
    {
        var recorder = new Recorder();
        // A delay long enough that the second request arrives within it even on a loaded machine.
        await using var batcher = Batcher(recorder, budget: 10_000, TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();
        var first = batcher.SubmitAsync((1, 10));
        await Task.Delay(100);
        var second = batcher.SubmitAsync((2, 12)); // arrives within the delay: joins the same batch
        var results = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([1, 2], results);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(10));
        Assert.Equal([1, 2], Assert.Single(recorder.Batches).Select(i => i.Id));
    }

    [Fact]
    public async Task ACancelledRequestNeverReachesTheProcessor()
    {
        var recorder = new Recorder();
        var batcher = Batcher(recorder, budget: 10_000, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.SubmitAsync((1, 10), cancel.Token);
        var kept = batcher.SubmitAsync((2, 10));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await batcher.DisposeAsync(); // closing runs what is left at once
        Assert.Equal(2, await kept);
        Assert.Equal([2], recorder.Batches.SelectMany(b => b).Select(i => i.Id));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.SubmitAsync((3, 10)));
    }

    [Fact]
    public async Task AProcessorFailureFailsOnlyItsBatch()
    {
        var calls = 0;
        await using var batcher = new DynamicBatcher<int, int>(
            new BatchingOptions { TokenBudget = 10, MaxDelay = TimeSpan.FromMilliseconds(10) },
            _ => 10,
            (batch, _) =>
                Interlocked.Increment(ref calls) == 1 ? throw new InvalidDataException("boom") : batch.ToList()
        );
        await Assert.ThrowsAsync<InvalidDataException>(() => batcher.SubmitAsync(1));
        Assert.Equal(2, await batcher.SubmitAsync(2));
    }
}
