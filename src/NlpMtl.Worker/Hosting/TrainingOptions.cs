using System.ComponentModel.DataAnnotations;

namespace NlpMtl.Worker.Hosting;

/// <summary><c>Training</c>: defaults for the training job (the Container Apps job passes them as environment).</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Training";

    /// <summary>Training config JSON (see configs/).</summary>
    public string? ConfigPath { get; set; }
    /// <summary>Checkpoint output folder.</summary>
    public string? OutputPath { get; set; }
    [Range(0, 1_000_000)] public int MaxSteps { get; set; }
}
