using System.Text.Encodings.Web;
using System.Text.Json;

namespace NlpMtl.Queue;

/// <summary><c>&lt;prefix&gt;-poison/&lt;job&gt;.error.json</c>: why a job was given up, and the job's full name (the
/// record's own name is shortened when the job's is near the length limit).</summary>
public sealed record PoisonRecord(
    string Reason,
    int Attempts,
    string Worker,
    DateTimeOffset Time,
    long Size,
    string? Job = null
)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // reasons quote names: keep them readable
    };

    /// <summary>The record as the <c>.error.json</c> blob's content.</summary>
    public BinaryData ToBinaryData() => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions));
}
