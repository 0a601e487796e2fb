using Microsoft.Extensions.Options;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// <c>Queue:DefaultTasks</c> must name tasks the processor runs. Checked with the other options before the host
/// starts (so <c>serve</c> fails with one line and a non-zero exit), which loads the processor (the ORT bundle) there.
/// </summary>
public sealed class DefaultTasksValidation(IDocumentProcessor processor) : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        var failures = (options.DefaultTasks ?? [])
            .Select((task, index) => (task, index))
            .Where(p => !string.IsNullOrWhiteSpace(p.task) && !processor.Tasks.Contains(p.task))
            .Select(p => $"Queue:DefaultTasks:{p.index} is '{p.task}', which the processor does not run (it runs {string.Join(", ", processor.Tasks.Order())})")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
