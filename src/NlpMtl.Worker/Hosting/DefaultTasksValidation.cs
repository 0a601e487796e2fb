using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// <c>Queue:DefaultTasks</c> (or its default, sentiment) must name tasks the processor runs. Checked with the other
/// options before the host starts (so <c>serve</c> fails with one line and a non-zero exit), which loads the
/// processor (the ORT bundle) there.
/// </summary>
public sealed class DefaultTasksValidation(IServiceProvider services) : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        IDocumentProcessor processor;
        // Resolved here, not injected: a processor whose own options are invalid is reported by their validation.
        try
        {
            processor = services.GetRequiredService<IDocumentProcessor>();
        }
        catch (OptionsValidationException)
        {
            return ValidateOptionsResult.Skip;
        }
        var failures = options
            .EffectiveDefaultTasks.Select((task, index) => (task, index))
            .Where(p => !string.IsNullOrWhiteSpace(p.task) && !processor.Tasks.Contains(p.task))
            .Select(p =>
                (
                    options.DefaultTasks is null
                        ? "Queue:DefaultTasks is unset, so 'sentiment'"
                        : $"Queue:DefaultTasks:{p.index} is '{p.task}'"
                ) + $", which the processor does not run (it runs {string.Join(", ", processor.Tasks.Order())})"
            )
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
