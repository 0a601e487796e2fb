using System.ComponentModel.DataAnnotations;
using NlpMtl.Core;

namespace NlpMtl.Worker.Hosting;

/// <summary><c>Queue</c>: the blob queue's containers and the worker's claiming and polling.</summary>
public sealed class QueueOptions : IValidatableObject
{
    public const string SectionName = "Queue";

    /// <summary>Container name rules: lower-case letters, digits and single hyphens; the suffixes add up to 8
    /// characters.</summary>
    [RegularExpression(
        "^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,54}$",
        ErrorMessage = "Queue:ContainerPrefix must be 3-55 lower-case letters, digits or single hyphens"
    )]
    public string ContainerPrefix { get; set; } = "nlpmtl";

    /// <summary>Azure accepts leases of 15 to 60 seconds.</summary>
    [Range(15, 60)]
    public int LeaseSeconds { get; set; } = 30;

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    [Range(1L, 1L << 30)]
    public long MaxJobBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Tasks for documents that name none; each must be one the processor knows.</summary>
    [MinLength(1)]
    public string[]? DefaultTasks { get; set; }

    /// <summary>Jobs worked on at once by this process: enough that claims and result writes overlap the engine's
    /// batches.</summary>
    [Range(1, 256)]
    public int MaxConcurrentJobs { get; set; } = 64;

    /// <summary>Idle polling starts at the minimum and doubles to the maximum while the inbox stays empty.</summary>
    [Range(10, 60_000)]
    public int MinPollMs { get; set; } = 250;

    [Range(10, 600_000)]
    public int MaxPollMs { get; set; } = 10_000;

    /// <summary>Names this worker in metadata and poison records; machine name and process id when unset.</summary>
    public string? WorkerId { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinPollMs > MaxPollMs)
            yield return new ValidationResult(
                $"Queue:MinPollMs ({MinPollMs}) is above Queue:MaxPollMs ({MaxPollMs})",
                [nameof(MinPollMs), nameof(MaxPollMs)]
            );
        foreach (var (task, index) in (DefaultTasks ?? []).Select((t, i) => (t, i)))
            if (string.IsNullOrWhiteSpace(task))
                yield return new ValidationResult($"Queue:DefaultTasks:{index} is empty", [nameof(DefaultTasks)]);
    }

    public IReadOnlyList<string> EffectiveDefaultTasks =>
        DefaultTasks is { Length: > 0 } tasks ? tasks : [TaskNames.Sentiment];
}
