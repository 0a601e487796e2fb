using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>A job's result blob: JSONL, one line per document and task, documents in job order.</summary>
public static class ResultLines
{
    static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // summaries and German translations stay readable UTF-8
    };

    public static BinaryData Serialize(IReadOnlyList<DocumentResult>[] results)
    {
        using var buffer = new MemoryStream();
        foreach (var document in results)
            foreach (var line in document)
            {
                JsonSerializer.Serialize(buffer, line, Options);
                buffer.WriteByte((byte)'\n');
            }
        return BinaryData.FromBytes(buffer.ToArray());
    }
}
