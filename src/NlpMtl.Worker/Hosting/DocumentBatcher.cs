using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// Gathers documents from concurrent jobs into processor calls of up to <c>MaxBatchDocuments</c>, waiting at most
/// <c>MaxBatchDelayMs</c> for a batch to fill, so that one-document jobs still reach the engine in batches. (The ORT
/// engine then buckets by length under its token budget.) One batch runs at a time: the engine uses every core.
/// </summary>
public sealed partial class DocumentBatcher(IDocumentProcessor processor, IOptions<QueueOptions> options, WorkerMetrics metrics, ILogger<DocumentBatcher> logger)
{
    readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    long _jobs;

    sealed record Pending(JobDocument Document, long Job, CancellationToken JobCancelled, TaskCompletionSource<IReadOnlyList<DocumentResult>> Result);

    /// <summary>Results for one job's documents, in order; needs <see cref="RunAsync"/> running.</summary>
    public async Task<IReadOnlyList<DocumentResult>[]> ProcessAsync(IReadOnlyList<JobDocument> documents, CancellationToken cancellationToken)
    {
        if (processor.BatchesAcrossCalls) return await ProcessDirectlyAsync(documents, cancellationToken);
        var job = Interlocked.Increment(ref _jobs);
        var pending = documents.Select(d => new Pending(d, job, cancellationToken,
            new TaskCompletionSource<IReadOnlyList<DocumentResult>>(TaskCreationOptions.RunContinuationsAsynchronously))).ToArray();
        foreach (var item in pending) _pending.Writer.TryWrite(item);
        return await Task.WhenAll(pending.Select(p => p.Result.Task)).WaitAsync(cancellationToken);
    }

    async Task<IReadOnlyList<DocumentResult>[]> ProcessDirectlyAsync(IReadOnlyList<JobDocument> documents, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var results = await processor.ProcessAsync(documents, cancellationToken);
        metrics.BatchProcessed(documents.Count, Stopwatch.GetElapsedTime(started)); // per job here: the engine logs its own batches
        return results;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (processor.BatchesAcrossCalls) return;
        var max = options.Value.MaxBatchDocuments;
        var delay = TimeSpan.FromMilliseconds(options.Value.MaxBatchDelayMs);
        var reader = _pending.Reader;
        var batch = new List<Pending>(max);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                Take(reader, batch, max);
                if (batch.Count is > 0 && batch.Count < max && delay > TimeSpan.Zero)
                {
                    using var fill = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    fill.CancelAfter(delay);
                    try
                    {
                        while (batch.Count < max && await reader.WaitToReadAsync(fill.Token)) Take(reader, batch, max);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                }
                if (batch.Count > 0) await RunBatchAsync(batch, splitOnFailure: true, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    static void Take(ChannelReader<Pending> reader, List<Pending> batch, int max)
    {
        // Documents of jobs that gave up (lease lost, shutdown) are dropped rather than processed for nobody.
        while (batch.Count < max && reader.TryRead(out var item))
            if (!item.JobCancelled.IsCancellationRequested) batch.Add(item);
    }

    async Task RunBatchAsync(IReadOnlyList<Pending> batch, bool splitOnFailure, CancellationToken stoppingToken)
    {
        using var activity = WorkerMetrics.ActivitySource.StartActivity("batch");
        activity?.SetTag("nlpmtl.batch.documents", batch.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var results = await processor.ProcessAsync([.. batch.Select(p => p.Document)], stoppingToken);
            if (results.Length != batch.Count)
                throw new InvalidOperationException($"processor returned {results.Length} results for {batch.Count} documents");
            metrics.BatchProcessed(batch.Count, Stopwatch.GetElapsedTime(started));
            for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(results[i]);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            foreach (var item in batch) item.Result.TrySetCanceled(stoppingToken);
        }
        catch (Exception e)
        {
            var jobs = batch.GroupBy(p => p.Job).ToArray();
            if (splitOnFailure && jobs.Length > 1)
            {
                // One bad job must not fail (and eventually poison) the jobs that shared its batch.
                LogSplitting(batch.Count, jobs.Length, e.Message);
                foreach (var job in jobs) await RunBatchAsync([.. job], splitOnFailure: false, stoppingToken);
                return;
            }
            foreach (var item in batch) item.Result.TrySetException(e);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Batch of {Documents} documents from {Jobs} jobs failed ({Error}); retrying job by job")]
    partial void LogSplitting(int documents, int jobs, string error);
}
