using Azure;
using Microsoft.Extensions.Logging;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// Finds jobs for the worker's concurrent job loops: they share one listing (randomised start, so competing workers
/// spread over the inbox), one of them lists again when it is used up, and all of them back off together (doubling,
/// with jitter) while the inbox is empty or storage is unreachable. Thread-safe.
/// </summary>
public sealed partial class InboxPoller(
    BlobWorkQueueClient queue,
    QueueOptions options,
    WorkerMetrics metrics,
    QueueHealth health,
    ILogger logger
)
{
    readonly Lock gate = new();
    readonly Queue<InboxEntry> candidates = new();
    readonly HashSet<string> quarantined = new(StringComparer.Ordinal); // recorded already: skipped in listings
    readonly SemaphoreSlim listing = new(1, 1);
    readonly TimeSpan minDelay = TimeSpan.FromMilliseconds(options.MinPollMs);
    readonly TimeSpan maxDelay = TimeSpan.FromMilliseconds(Math.Max(options.MinPollMs, options.MaxPollMs));
    TimeSpan delay = TimeSpan.FromMilliseconds(options.MinPollMs);
    DateTimeOffset idleUntil = DateTimeOffset.MinValue;

    /// <summary>A claimed job, or null after waiting when there was none (or storage failed, or stop was
    /// asked).</summary>
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
                    if (!queue.IsAddressable(candidate.Name))
                    {
                        await QuarantineAsync(
                            candidate,
                            "the name cannot be addressed through the storage API ('.' or '..' segments or a "
                                + "leading '/' are rewritten by URI normalisation); rename or remove it with a tool "
                                + "that can",
                            cancellationToken
                        );
                        continue;
                    }
                    ClaimedJob? job;
                    try
                    {
                        job = await queue.TryClaimAsync(candidate, cancellationToken);
                    }
                    catch (RequestFailedException e)
                        when (e.Status == 400 && e.ErrorCode is "InvalidResourceName" or "InvalidUri")
                    {
                        // Storage refuses this name (not an outage): retrying cannot help. Other 400s (a version
                        // mismatch, say) would hit every job, so they stay storage failures.
                        await QuarantineAsync(
                            candidate,
                            $"storage refuses requests for this name ({e.Status} {e.ErrorCode})",
                            cancellationToken
                        );
                        continue;
                    }
                    if (job is null)
                        continue; // another worker got there first
                    lock (gate)
                        delay = minDelay;
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
        await listing.WaitAsync(cancellationToken);
        try
        {
            lock (gate)
                if (candidates.Count > 0 || idleUntil > DateTimeOffset.UtcNow)
                    return; // another loop listed meanwhile
            var listed = await queue.ListCandidatesAsync(cancellationToken);
            health.Succeeded();
            metrics.InboxListed(listed.Count);
            var queued = 0;
            lock (gate)
                foreach (var entry in listed.Where(e => !quarantined.Contains(e.Name)))
                {
                    candidates.Enqueue(entry);
                    queued++;
                }
            if (queued == 0)
                BackOff(); // an empty inbox, or nothing workable in it: idle alike
        }
        finally
        {
            listing.Release();
        }
    }

    /// <summary>Records why a job cannot be worked on (once across workers: create-if-absent) and skips it from now on,
    /// without counting it as a storage failure.</summary>
    async Task QuarantineAsync(InboxEntry entry, string reason, CancellationToken cancellationToken)
    {
        if (await queue.QuarantineAsync(entry, reason, cancellationToken))
            LogQuarantined(entry.Name, reason);
        lock (gate)
            quarantined.Add(entry.Name);
    }

    bool TryTake(out InboxEntry entry)
    {
        lock (gate)
            return candidates.TryDequeue(out entry!);
    }

    TimeSpan IdleWait()
    {
        lock (gate)
            return idleUntil - DateTimeOffset.UtcNow;
    }

    /// <summary>Every loop waits until the same moment; the next empty listing or failure waits twice as
    /// long.</summary>
    TimeSpan BackOff()
    {
        lock (gate)
        {
            var jittered = delay * (0.75 + Random.Shared.NextDouble() / 2);
            idleUntil = DateTimeOffset.UtcNow + jittered;
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
            candidates.Clear();
            return jittered;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Quarantined inbox blob {Job}: {Reason}")]
    partial void LogQuarantined(string job, string reason);

    [LoggerMessage(LogLevel.Warning, "Claiming failed ({Error}); retrying in about {DelayMs} ms")]
    partial void LogStorageFailure(string error, int delayMs);
}
