namespace NlpMtl.Training;

/// <summary>Command-line overrides of a <see cref="TrainingConfig"/> (<c>nlpmtl train</c>).</summary>
public sealed record TrainerOptions
{
    public required string OutputDirectory { get; init; }
    public long? MaxSteps { get; init; }
    public double? TimeBudgetMinutes { get; init; }

    /// <summary>Overrides the config's seed (head initialisation, batch order, task sampling, dropout); a resumed run
    /// keeps its own.</summary>
    public int? Seed { get; init; }

    /// <summary>Continue the run saved in <c>OUT/last</c>.</summary>
    public bool Resume { get; init; }

    /// <summary>Start from a trained multi-task checkpoint (MT-DNN's per-task fine-tune).</summary>
    public string? From { get; init; }

    /// <summary>Train only these tasks (default: all in the config).</summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>Called after every optimizer step with the step number (hosting, tests that interrupt a run).</summary>
    public Action<long>? OnStep { get; init; }

    /// <summary>Live progress output; null: console.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// bfloat16's speed as a multiple of float32's, where a caller knows it (tests of bf16 numerics on any CPU);
    /// null: measured at the start of the run (<see cref="PrecisionChoice"/>).
    /// </summary>
    public double? Bf16Speedup { get; init; }
}
