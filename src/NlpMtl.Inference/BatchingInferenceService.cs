using System.Diagnostics;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Inference;

/// <summary>
/// The engine behind a <see cref="DynamicBatcher{TItem, TResult}"/>: what the queue worker calls. Documents from
/// concurrent jobs share batches; each call gets its own results back, in its own order. Owns neither the engine's
/// lifetime nor its thread: batches run one at a time on the batcher's loop.
/// </summary>
public sealed class BatchingInferenceService : IAsyncDisposable
{
    readonly InferenceEngine engine;
    readonly DynamicBatcher<EncodedDocument, DocumentResult> batcher;

    /// <param name="batchRan">Told each batch's size and engine time (the worker's metrics).</param>
    public BatchingInferenceService(InferenceEngine engine, BatchingOptions? options = null, TimeProvider? time = null, Action<int, TimeSpan>? batchRan = null)
    {
        this.engine = engine;
        batcher = new DynamicBatcher<EncodedDocument, DocumentResult>(options ?? new BatchingOptions(), d => d.Tokens, (batch, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var results = engine.Run(batch, token);
            batchRan?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
            return results;
        }, time);
    }

    /// <summary>
    /// Runs <paramref name="documents"/> (each with its own tasks) and returns their results in the same order.
    /// Throws ArgumentException before running anything when a document asks for a task the bundle does not serve.
    /// </summary>
    public async Task<IReadOnlyList<DocumentResult>> ProcessAsync(IReadOnlyList<DocumentRequest> documents, CancellationToken cancellationToken = default)
    {
        var encoded = engine.Encode(documents); // validates every document before queueing any
        return await batcher.SubmitAllAsync(encoded, cancellationToken);
    }

    public Task<DocumentResult> ProcessAsync(DocumentRequest document, CancellationToken cancellationToken = default) =>
        batcher.SubmitAsync(engine.Encode(document), cancellationToken);

    public ValueTask DisposeAsync() => batcher.DisposeAsync();
}
