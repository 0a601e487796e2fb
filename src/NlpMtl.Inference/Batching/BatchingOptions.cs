using System.ComponentModel.DataAnnotations;

namespace NlpMtl.Inference.Batching;

/// <summary>How documents are grouped into batches (appsettings section <see cref="SectionName"/>).</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    /// <summary>
    /// Most encoder positions one batch may hold, padding included: rows × the longest row. Bounds memory and keeps a
    /// batch's latency predictable; on 2 CPU cores throughput stops growing at about 2–4k positions.
    /// </summary>
    [Range(2, 1 << 24)]
    public int TokenBudget { get; set; } = 4096;

    /// <summary>Most documents in one batch, whatever their length.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>Longest a document waits for company before its batch runs anyway (the dynamic batcher only).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(20);
}
