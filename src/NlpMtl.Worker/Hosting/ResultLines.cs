using NlpMtl.Core.Data;

namespace NlpMtl.Worker.Hosting;

/// <summary>A job's result blob: JSONL, one line per document and task, documents in job order, as <c>predict</c>
/// writes them.</summary>
public static class ResultLines
{
    public static BinaryData Serialize(IReadOnlyList<TaskPrediction>[] results)
    {
        using var buffer = new MemoryStream();
        foreach (var document in results)
        foreach (var line in document)
        {
            line.WriteJson(buffer);
            buffer.WriteByte((byte)'\n');
        }
        return BinaryData.FromBytes(buffer.ToArray());
    }
}
