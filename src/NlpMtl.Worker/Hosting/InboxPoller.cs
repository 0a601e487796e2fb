using Microsoft.Extensions.Logging;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// Finds jobs for the worker's concurrent job loops: they share one listing (randomised start, so competing workers
/// spread over the inbox), one of them lists again when it is used up, and all of them back off together (doubling,
/// with jitter) while the inbox is empty or storage is unreachable. Thread-safe.
/// </summary>
public sealed partial class InboxPoller(BlobWorkQueueClient queue, QueueOptions options, WorkerMetrics metrics, QueueHealth health, ILogger logger)
{
    readonly Lock _gate = new();
    readonly Queue<InboxEntry> _candidates = new();
    readonly SemaphoreSlim _listing = new(1, 1);
    readonly TimeSpan _minDelay = TimeSpan.FromMilliseconds(options.MinPollMs);
    readonly TimeSpan _maxDelay = TimeSpan.FromMilliseconds(Math.Max(options.MinPollMs, options.MaxPollMs));
    TimeSpan _delay = TimeSpan.FromMilliseconds(options.MinPollMs);
    DateTimeOffset _idleUntil = DateTimeOffset.MinValue;

    /// <summary>A claimed job, or null after waiting when there was none (or storage failed, or stop was asked).</summary>
    public async Task<ClaimedJob?> ClaimNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = IdleWait();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                    return null;
                }
                if (TryTake(out var candidate))
                {
                    var job = await queue.TryClaimAsync(candidate, cancellationToken);
                    if (job is null) continue; // another worker got there first
                    lock (_gate) _delay = _minDelay;
                    return job;
                }
                await ListAsync(cancellationToken);
            }
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            // Storage outage (after the SDK's own retries): keep the worker alive and try again later.
            health.Failed();
            LogStorageFailure(ErrorText.Short(e), (int)BackOff().TotalMilliseconds);
            return null;
        }
    }

    async Task ListAsync(CancellationToken cancellationToken)
    {
        await _listing.WaitAsync(cancellationToken);
        try
        {
            lock (_gate) if (_candidates.Count > 0 || _idleUntil > DateTimeOffset.UtcNow) return; // another loop listed meanwhile
            var listed = await queue.ListCandidatesAsync(cancellationToken);
            health.Succeeded();
            metrics.InboxListed(listed.Count);
            if (listed.Count == 0) BackOff();
            else lock (_gate) foreach (var entry in listed) _candidates.Enqueue(entry);
        }
        finally
        {
            _listing.Release();
        }
    }

    bool TryTake(out InboxEntry entry)
    {
        lock (_gate) return _candidates.TryDequeue(out entry!);
    }

    TimeSpan IdleWait()
    {
        lock (_gate) return _idleUntil - DateTimeOffset.UtcNow;
    }

    /// <summary>Every loop waits until the same moment; the next empty listing or failure waits twice as long.</summary>
    TimeSpan BackOff()
    {
        lock (_gate)
        {
            var jittered = _delay * (0.75 + Random.Shared.NextDouble() / 2);
            _idleUntil = DateTimeOffset.UtcNow + jittered;
            _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, _maxDelay.Ticks));
            _candidates.Clear();
            return jittered;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Claiming failed ({Error}); retrying in about {DelayMs} ms")]
    partial void LogStorageFailure(string error, int delayMs);
}
