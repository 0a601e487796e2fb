using NlpMtl.Core.Data;
using NlpMtl.Queue;

namespace NlpMtl.Queue.TestWorker;

/// <summary>
/// A deterministic stand-in for the ORT engine: sentiment from the text's length, summary = first three words,
/// translation = words reversed. Optional delays per batch and per document simulate model time; text containing
/// <c>THROW</c> fails the call (a transient error as far as the queue can tell).
/// </summary>
public sealed class FakeProcessor(TimeSpan batchDelay, TimeSpan documentDelay) : IDocumentProcessor
{
    public IReadOnlySet<string> Tasks { get; } = new HashSet<string>(["sentiment", "summarize", "translate"]);

    public async Task<IReadOnlyList<TaskPrediction>[]> ProcessAsync(
        IReadOnlyList<JobDocument> documents,
        CancellationToken cancellationToken = default
    )
    {
        var delay = batchDelay + documentDelay * documents.Count;
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, cancellationToken);
        if (documents.Any(d => d.Text.Contains("THROW", StringComparison.Ordinal)))
            throw new InvalidOperationException("the fake engine was asked to fail");
        return [.. documents.Select(Run)];
    }

    public static IReadOnlyList<TaskPrediction> Run(JobDocument document) =>
        [
            .. document.Tasks.Select(task =>
                task switch
                {
                    "sentiment" => new TaskPrediction(document.Id, task)
                    {
                        Label = document.Text.Length % 2 == 0 ? "positive" : "negative",
                        Score = 0.75,
                    },
                    "summarize" => new TaskPrediction(document.Id, task)
                    {
                        Summary = string.Join(' ', document.Text.Split(' ').Take(3)),
                    },
                    _ => new TaskPrediction(document.Id, task)
                    {
                        Translation = string.Join(' ', document.Text.Split(' ').Reverse()),
                    },
                }
            ),
        ];
}
