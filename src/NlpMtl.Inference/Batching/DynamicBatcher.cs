using System.Threading.Channels;

namespace NlpMtl.Inference.Batching;

/// <summary>
/// Groups documents submitted one at a time (by the queue worker, or anyone) into batches of similar length and runs
/// them one batch at a time. A batch is cut by <see cref="BatchPlanner"/> (token budget counting padding, row limit)
/// and runs as soon as it is full; the last, partial one waits for company until its oldest document has waited
/// <see cref="BatchingOptions.MaxDelay"/>. Each caller awaits its own result, so order is the caller's. A request
/// cancelled before its batch starts never reaches the processor; a batch whose requests are all cancelled is told so.
/// </summary>
public sealed class DynamicBatcher<TItem, TResult> : IAsyncDisposable
{
    sealed record Pending(TItem Item, int Tokens, long Arrived, CancellationToken Token)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly BatchingOptions options;
    readonly Func<TItem, int> tokens;
    readonly Func<IReadOnlyList<TItem>, CancellationToken, IReadOnlyList<TResult>> process;
    readonly TimeProvider time;
    readonly Channel<Pending> inbox = Channel.CreateUnbounded<Pending>(
        new UnboundedChannelOptions { SingleReader = true }
    );
    readonly Task loop;

    /// <param name="tokens">A document's encoder length (what the token budget counts).</param>
    /// <param name="process">Runs one batch, returning one result per item in order; called from one thread at a
    /// time.</param>
    public DynamicBatcher(
        BatchingOptions options,
        Func<TItem, int> tokens,
        Func<IReadOnlyList<TItem>, CancellationToken, IReadOnlyList<TResult>> process,
        TimeProvider? time = null
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        (this.options, this.tokens, this.process, this.time) = (options, tokens, process, time ?? TimeProvider.System);
        loop = Task.Run(RunAsync);
    }

    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<TResult>(cancellationToken);
        var pending = new Pending(item, tokens(item), time.GetTimestamp(), cancellationToken);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => pending.Result.TrySetCanceled(cancellationToken));
            pending.Result.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        if (!inbox.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(DynamicBatcher<TItem, TResult>));
        return pending.Result.Task;
    }

    /// <summary>Submits every item at once (so they can share batches); the results come back in input order.</summary>
    public Task<TResult[]> SubmitAllAsync(IEnumerable<TItem> items, CancellationToken cancellationToken = default) =>
        Task.WhenAll(items.Select(item => SubmitAsync(item, cancellationToken)).ToList());

    async Task RunAsync()
    {
        var pending = new List<Pending>();
        var open = true;
        while (true)
        {
            while (inbox.Reader.TryRead(out var arrived))
                pending.Add(arrived);
            pending.RemoveAll(p => p.Result.Task.IsCompleted); // cancelled while waiting
            if (pending.Count == 0)
            {
                if (!open || !await inbox.Reader.WaitToReadAsync())
                    break;
                continue;
            }
            var plan = BatchPlanner.Plan(
                pending.Select(p => p.Tokens).ToList(),
                options.TokenBudget,
                options.MaxBatchSize
            );
            var waited = time.GetElapsedTime(pending.Min(p => p.Arrived));
            // Every batch but the last is full: the planner cut it because the next document did not fit.
            var lastIsFull = plan[^1].Length == options.MaxBatchSize;
            var ready = !open || waited >= options.MaxDelay || lastIsFull ? plan : plan[..^1];
            if (ready.Count == 0)
            {
                open = await WaitForMoreAsync(options.MaxDelay - waited);
                continue;
            }
            foreach (var batch in ready)
                Execute(batch.Select(i => pending[i]).ToList());
            var taken = ready.SelectMany(b => b).ToHashSet();
            pending = pending.Where((_, i) => !taken.Contains(i)).ToList();
        }
    }

    /// <summary>True when more may come (something arrived, or the wait ran out); false once the batcher is
    /// closed.</summary>
    async Task<bool> WaitForMoreAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time);
        try
        {
            return await inbox.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return true;
        }
    }

    void Execute(List<Pending> batch)
    {
        batch.RemoveAll(p => p.Result.Task.IsCompleted);
        if (batch.Count == 0)
            return;
        // The processor may stop early once nobody waits for any of its documents.
        using var abandoned = new CancellationTokenSource();
        var waiting = batch.Count;
        var registrations = batch
            .Select(p =>
                p.Token.Register(() =>
                {
                    if (Interlocked.Decrement(ref waiting) == 0)
                        abandoned.Cancel();
                })
            )
            .ToList();
        try
        {
            var results = process(batch.Select(p => p.Item).ToList(), abandoned.Token);
            if (results.Count != batch.Count)
                throw new InvalidOperationException(
                    $"the batch processor returned {results.Count} results for {batch.Count} items"
                );
            for (var i = 0; i < batch.Count; i++)
                batch[i].Result.TrySetResult(results[i]);
        }
        catch (Exception e)
        {
            foreach (var p in batch)
                p.Result.TrySetException(e);
        }
        finally
        {
            foreach (var registration in registrations)
                registration.Dispose();
        }
    }

    /// <summary>Stops taking documents, runs those already submitted, and returns when they are done.</summary>
    public async ValueTask DisposeAsync()
    {
        inbox.Writer.TryComplete();
        await loop;
    }
}
