using System.Text.Json;

namespace NlpMtl.Queue;

/// <summary>One document of a job: its id, text and the tasks to run on it.</summary>
public sealed record JobDocument(string Id, string Text, IReadOnlyList<string> Tasks)
{
    /// <summary>A job blob of these documents: JSONL of <c>{"id","text","tasks"}</c>, what <see cref="JobParser"/>
    /// reads.</summary>
    public static BinaryData ToJsonl(IEnumerable<JobDocument> documents)
    {
        using var buffer = new MemoryStream();
        foreach (var d in documents)
        {
            JsonSerializer.Serialize(
                buffer,
                new
                {
                    id = d.Id,
                    text = d.Text,
                    tasks = d.Tasks,
                }
            );
            buffer.WriteByte((byte)'\n');
        }
        return BinaryData.FromBytes(buffer.ToArray());
    }
}
