using System.Diagnostics;
using NlpMtl.Inference.Batching;
using NlpMtl.Inference.Documents;

namespace NlpMtl.Inference;

/// <summary>
/// The engine behind a <see cref="DynamicBatcher{TItem, TResult}"/>: what the queue worker calls. Every document is
/// planned into rows (<see cref="DocumentPlan"/>: sentences, windows, the summarizer's source) and the rows of all
/// documents in flight, from concurrent jobs too, share batches: a 50-sentence document costs what 50 short texts
/// cost. Each call gets its own results back, in its own order. Owns neither the engine's lifetime nor its thread:
/// batches run one at a time on the batcher's loop.
/// </summary>
public sealed class BatchingInferenceService : IAsyncDisposable
{
    readonly InferenceEngine engine;
    readonly DynamicBatcher<SourceRow, RowOutput> batcher;

    /// <param name="batchRan">Told each batch's size (rows) and engine time (the worker's metrics).</param>
    public BatchingInferenceService(
        InferenceEngine engine,
        BatchingOptions? options = null,
        TimeProvider? time = null,
        Action<int, TimeSpan>? batchRan = null
    )
    {
        this.engine = engine;
        batcher = new DynamicBatcher<SourceRow, RowOutput>(
            options ?? new BatchingOptions(),
            r => r.Tokens,
            (batch, token) =>
            {
                var started = Stopwatch.GetTimestamp();
                var results = engine.RunRows(batch, token);
                batchRan?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
                return results;
            },
            time
        );
    }

    /// <summary>
    /// Runs <paramref name="documents"/> (each with its own tasks) and returns their results in the same order.
    /// Throws ArgumentException before running anything when a document asks for a task the bundle does not serve.
    /// </summary>
    public async Task<IReadOnlyList<DocumentResult>> ProcessAsync(
        IReadOnlyList<DocumentRequest> documents,
        CancellationToken cancellationToken = default
    )
    {
        var plans = engine.Plan(documents); // validates every document before queueing any
        return await Task.WhenAll(plans.Select(plan => RunAsync(plan, cancellationToken)));
    }

    public Task<DocumentResult> ProcessAsync(DocumentRequest document, CancellationToken cancellationToken = default) =>
        RunAsync(engine.Plan(document), cancellationToken);

    async Task<DocumentResult> RunAsync(DocumentPlan plan, CancellationToken cancellationToken)
    {
        var first = await batcher.SubmitAllAsync(plan.Rows, cancellationToken);
        var second = plan.SecondStage(first);
        var secondOutput = second is null ? null : await batcher.SubmitAsync(second, cancellationToken);
        return plan.Assemble(first, secondOutput);
    }

    public ValueTask DisposeAsync() => batcher.DisposeAsync();
}
