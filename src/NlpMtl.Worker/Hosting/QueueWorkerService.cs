using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// The <c>serve</c> pipeline: claim → parse → process → result → complete, with at most <c>MaxConcurrentJobs</c>
/// jobs in flight; the processor batches documents across jobs (the ORT engine's dynamic batcher). On stop it claims
/// nothing more, lets in-flight jobs finish until shortly before <see cref="HostOptions.ShutdownTimeout"/>, and
/// releases the leases of any still running.
/// </summary>
public sealed partial class QueueWorkerService(
    BlobWorkQueueClient queue,
    IDocumentProcessor processor,
    WorkerMetrics metrics,
    QueueHealth health,
    IOptions<QueueOptions> options,
    IOptions<StorageOptions> storageOptions,
    IOptions<HostOptions> hostOptions,
    IHostApplicationLifetime lifetime,
    ILogger<QueueWorkerService> logger
) : BackgroundService
{
    readonly QueueOptions options = options.Value;

    /// <summary>Why the worker gave up (storage never reached at start, credentials refused): the host stops and
    /// <c>serve</c> exits non-zero with this line. Null while it runs or after a normal stop.</summary>
    public string? Failure { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Queue:DefaultTasks was checked against the processor before the host started (DefaultTasksValidation).
        var parser = new JobParser(options.EffectiveDefaultTasks, processor.Tasks);
        var poller = new InboxPoller(queue, options, metrics, health, logger);

        using var drain = new CancellationTokenSource();

        if (!await EnsureContainersAsync(stoppingToken))
            return;
        LogStarted(queue.Inbox.Name, options.MaxConcurrentJobs, string.Join(",", processor.Tasks.Order()));

        // Graceful stop: claim nothing more; in-flight jobs may finish until a margin before the host's deadline,
        // which is left for releasing the leases of those that cannot.
        var timeout = hostOptions.Value.ShutdownTimeout;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(3).Ticks, timeout.Ticks / 3));
        using var stopping = stoppingToken.Register(() =>
        {
            LogStopping((int)(timeout - margin).TotalMilliseconds);
            drain.CancelAfter(timeout - margin);
        });

        // One loop per job slot, each claiming its own next job, so claims (several storage round trips) overlap.
        await Task.WhenAll(
            Enumerable
                .Range(0, options.MaxConcurrentJobs)
                .Select(_ =>
                    Task.Run(
                        async () =>
                        {
                            while (!stoppingToken.IsCancellationRequested)
                            {
                                var job = await poller.ClaimNextAsync(stoppingToken);
                                if (job is not null)
                                    await RunJobAsync(job, parser, drain.Token);
                            }
                        },
                        CancellationToken.None
                    )
                )
        );
    }

    /// <summary>
    /// Reaches storage before claiming anything: retried (health Unhealthy meanwhile) until Storage:StartupTimeout,
    /// after which, or at once when the credentials are refused, the worker gives up and stops the host. False then.
    /// </summary>
    async Task<bool> EnsureContainersAsync(CancellationToken stoppingToken)
    {
        var deadline = Stopwatch.StartNew();
        var timeout = storageOptions.Value.StartupTimeout;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.CreateIfNotExistsAsync(stoppingToken);
                health.Succeeded();
                return true;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                health.Failed();
                var error = ErrorText.Short(e);
                if (e is Azure.RequestFailedException { Status: 401 or 403 })
                    return GiveUp($"storage refused the credentials: {error}");
                if (deadline.Elapsed >= timeout)
                    return GiveUp($"storage not reachable within Storage:StartupTimeout ({timeout}): {error}");
                LogContainersFailed(error);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(options.MaxPollMs), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
        return false;
    }

    bool GiveUp(string failure)
    {
        Failure = failure;
        LogGaveUp(failure);
        lifetime.StopApplication();
        return false;
    }

    async Task RunJobAsync(ClaimedJob job, JobParser parser, CancellationToken drain)
    {
        await using var _ = job;
        using var activity = WorkerMetrics.ActivitySource.StartActivity("job");
        activity?.SetTag("nlpmtl.job", job.Name);
        activity?.SetTag("nlpmtl.attempt", job.Attempt);
        var started = Stopwatch.GetTimestamp();
        using var work = CancellationTokenSource.CreateLinkedTokenSource(drain, job.LeaseLost);
        try
        {
            LogClaimed(job.Name, job.Attempt, job.LeaseId);
            if (job.Attempt > options.MaxAttempts)
            {
                await PoisonAsync(
                    job,
                    $"gave up after {job.Attempt - 1} attempts; last error: "
                        + $"{job.LastError ?? "none recorded (worker crashed or lost its lease)"}",
                    "attempts",
                    drain
                );
                return;
            }
            if (job.Name.Length > QueueNames.MaxBlobName)
            {
                // Azure itself refuses such names; an emulator or another store may not. Never worth an attempt.
                await PoisonAsync(
                    job,
                    $"job name is {job.Name.Length} characters, over the {QueueNames.MaxBlobName} storage allows",
                    "format",
                    drain
                );
                return;
            }
            IReadOnlyList<JobDocument> documents;
            try
            {
                documents = parser.Parse(job.Name, await job.ReadContentAsync(work.Token));
            }
            catch (JobFormatException e)
            {
                await PoisonAsync(job, e.Reason, "format", drain);
                return;
            }
            var results = await processor.ProcessAsync(documents, work.Token);
            if (results.Length != documents.Count)
                throw new InvalidOperationException(
                    $"the processor returned {results.Length} results for {documents.Count} documents"
                );
            var outcome = await job.CompleteAsync(ResultLines.Serialize(results), drain);
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.JobCompleted(
                outcome switch
                {
                    CompletionOutcome.Written => "written",
                    CompletionOutcome.WrittenForNewContent => "new-content",
                    _ => "duplicate",
                },
                documents.Count,
                elapsed
            );
            health.Succeeded();
            LogFinished(job.Name, documents.Count, (long)elapsed.TotalMilliseconds, outcome);
            if (outcome == CompletionOutcome.WrittenForNewContent)
                LogNewContent(job.Name, job.ResultName!);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            metrics.JobAbandoned();
            if (job.LeaseLost.IsCancellationRequested)
                LogLeaseLost(job.Name);
            else
            {
                LogReleased(job.Name);
                await AbandonAsync(job, error: null);
            }
        }
        catch (Exception e)
        {
            var error = ErrorText.Short(e);
            LogAttemptFailed(job.Name, job.Attempt, error);
            if (job.Attempt >= options.MaxAttempts && !drain.IsCancellationRequested)
            {
                try
                {
                    await PoisonAsync(job, $"failed {job.Attempt} attempts; last error: {error}", "attempts", drain);
                    return;
                }
                catch (Exception poisonError)
                {
                    LogAttemptFailed(job.Name, job.Attempt, ErrorText.Short(poisonError));
                }
            }
            metrics.JobAbandoned();
            await AbandonAsync(job, error);
        }
    }

    async Task PoisonAsync(ClaimedJob job, string reason, string kind, CancellationToken cancellationToken)
    {
        await job.PoisonAsync(reason, cancellationToken);
        metrics.JobPoisoned(kind);
        LogPoisoned(job.Name, job.Attempt, reason);
    }

    async Task AbandonAsync(ClaimedJob job, string? error)
    {
        // Best effort with its own short deadline: if storage is down the lease simply expires.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await job.AbandonAsync(error, deadline.Token);
        }
        catch (Exception e)
        {
            LogReleaseFailed(job.Name, ErrorText.Short(e));
        }
    }

    [LoggerMessage(LogLevel.Information, "Serving {Inbox} with up to {Jobs} jobs at once; tasks {Tasks}")]
    partial void LogStarted(string inbox, int jobs, string tasks);

    [LoggerMessage(LogLevel.Warning, "Cannot create the queue containers yet ({Error}); retrying")]
    partial void LogContainersFailed(string error);

    [LoggerMessage(LogLevel.Error, "Giving up: {Failure}")]
    partial void LogGaveUp(string failure);

    [LoggerMessage(LogLevel.Warning, "{Job} was done before with other content; this content's result is {Result}")]
    partial void LogNewContent(string job, string result);

    [LoggerMessage(LogLevel.Debug, "Claimed {Job} (attempt {Attempt}, lease {LeaseId})")]
    partial void LogClaimed(string job, int attempt, string leaseId);

    [LoggerMessage(LogLevel.Information, "Finished {Job}: {Documents} documents in {ElapsedMs} ms ({Outcome})")]
    partial void LogFinished(string job, int documents, long elapsedMs, CompletionOutcome outcome);

    [LoggerMessage(LogLevel.Warning, "Poisoned {Job} on attempt {Attempt}: {Reason}")]
    partial void LogPoisoned(string job, int attempt, string reason);

    [LoggerMessage(LogLevel.Warning, "Attempt {Attempt} of {Job} failed: {Error}")]
    partial void LogAttemptFailed(string job, int attempt, string error);

    [LoggerMessage(LogLevel.Warning, "Lost the lease on {Job}; another worker will finish it")]
    partial void LogLeaseLost(string job);

    [LoggerMessage(LogLevel.Information, "Released {Job} unfinished at shutdown")]
    partial void LogReleased(string job);

    [LoggerMessage(LogLevel.Warning, "Could not release {Job} ({Error}); its lease will expire")]
    partial void LogReleaseFailed(string job, string error);

    [LoggerMessage(
        LogLevel.Information,
        "Stopping: claiming no more jobs; in-flight jobs have {DeadlineMs} ms to finish"
    )]
    partial void LogStopping(int deadlineMs);
}
