using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlpMtl.Core.Data;
using NlpMtl.Inference;
using NlpMtl.Inference.Batching;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// The real engine behind <c>serve</c>: the bundle at <c>Inference:BundlePath</c> loaded once, documents from all
/// jobs going through the engine's dynamic batcher (length buckets, token budget, <c>Batching:MaxDelay</c>).
/// </summary>
public sealed class OrtDocumentProcessor : IDocumentProcessor, IAsyncDisposable
{
    readonly InferenceEngine engine;
    readonly BatchingInferenceService service;

    public OrtDocumentProcessor(
        IOptions<InferenceHostOptions> host,
        IOptions<InferenceOptions> engine,
        IOptions<BatchingOptions> batching,
        WorkerMetrics metrics,
        ILogger<OrtDocumentProcessor> logger
    )
    {
        this.engine = InferenceEngine.Load(host.Value.BundlePath!, engine.Value, logger);
        service = new BatchingInferenceService(this.engine, batching.Value, batchRan: metrics.BatchProcessed);
        Tasks = this.engine.Tasks.ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlySet<string> Tasks { get; }

    public async Task<IReadOnlyList<TaskPrediction>[]> ProcessAsync(
        IReadOnlyList<JobDocument> documents,
        CancellationToken cancellationToken = default
    )
    {
        var results = await service.ProcessAsync(
            [.. documents.Select(d => new DocumentRequest(d.Id, d.Text, d.Tasks))],
            cancellationToken
        );
        return [.. results.Select(r => r.Predictions)];
    }

    public async ValueTask DisposeAsync()
    {
        await service.DisposeAsync();
        engine.Dispose();
    }
}
