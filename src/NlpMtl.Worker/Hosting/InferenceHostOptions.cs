using System.ComponentModel.DataAnnotations;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// <c>Inference:BundlePath</c>: the model bundle <c>serve</c> runs. The engine's own settings in the same section
/// (threads, provider, int8) bind to <c>NlpMtl.Inference.InferenceOptions</c>.
/// </summary>
public sealed class InferenceHostOptions
{
    public const string SectionName = "Inference";

    /// <summary>Folder written by <c>nlpmtl export</c>.</summary>
    [Required(
        ErrorMessage = "Inference:BundlePath is required (a folder written by `nlpmtl export`; env "
            + "Inference__BundlePath)"
    )]
    public string? BundlePath { get; set; }
}
