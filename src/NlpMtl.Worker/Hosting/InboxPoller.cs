using Microsoft.Extensions.Logging;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// Finds the next job to claim for one worker loop: works through one listing (randomised start) before listing
/// again, and backs off (doubling, with jitter) while the inbox is empty or storage is unreachable.
/// </summary>
public sealed partial class InboxPoller(BlobWorkQueueClient queue, QueueOptions options, WorkerMetrics metrics, QueueHealth health, ILogger logger)
{
    readonly Queue<InboxEntry> _candidates = new();
    readonly TimeSpan _minDelay = TimeSpan.FromMilliseconds(options.MinPollMs);
    readonly TimeSpan _maxDelay = TimeSpan.FromMilliseconds(Math.Max(options.MinPollMs, options.MaxPollMs));
    TimeSpan _delay = TimeSpan.FromMilliseconds(options.MinPollMs);

    /// <summary>A claimed job, or null after waiting when there was none (or storage failed, or stop was asked).</summary>
    public async Task<ClaimedJob?> ClaimNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (_candidates.Count == 0)
                {
                    var listed = await queue.ListCandidatesAsync(cancellationToken);
                    health.Succeeded();
                    metrics.InboxListed(listed.Count);
                    if (listed.Count == 0)
                    {
                        await BackOffAsync(cancellationToken);
                        return null;
                    }
                    foreach (var entry in listed) _candidates.Enqueue(entry);
                }
                var job = await queue.TryClaimAsync(_candidates.Dequeue().Name, cancellationToken);
                if (job is not null)
                {
                    _delay = _minDelay;
                    return job;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            // Storage outage (after the SDK's own retries): keep the worker alive and try again later.
            health.Failed();
            _candidates.Clear();
            LogStorageFailure(ErrorText.Short(e), (int)_delay.TotalMilliseconds);
            await BackOffAsync(cancellationToken);
            return null;
        }
    }

    async Task BackOffAsync(CancellationToken cancellationToken)
    {
        var jittered = _delay * (0.75 + Random.Shared.NextDouble() / 2);
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, _maxDelay.Ticks));
        try
        {
            await Task.Delay(jittered, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Claiming failed ({Error}); retrying in about {DelayMs} ms")]
    partial void LogStorageFailure(string error, int delayMs);
}
