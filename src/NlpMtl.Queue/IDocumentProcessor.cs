using NlpMtl.Core.Data;

namespace NlpMtl.Queue;

/// <summary>
/// What the worker runs documents through: the ORT engine in <c>serve</c>, simple stand-ins in tests. Must be
/// thread-safe; batches may come from several jobs.
/// </summary>
public interface IDocumentProcessor
{
    /// <summary>Task names this processor can run; a job naming any other task is poisoned.</summary>
    IReadOnlySet<string> Tasks { get; }

    /// <summary>Results for each document, in input order: one list per document, one record per requested
    /// task.</summary>
    Task<IReadOnlyList<TaskPrediction>[]> ProcessAsync(
        IReadOnlyList<JobDocument> documents,
        CancellationToken cancellationToken = default
    );
}
