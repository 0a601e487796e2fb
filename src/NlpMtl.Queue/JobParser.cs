using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace NlpMtl.Queue;

/// <summary>
/// Turns a job blob into documents: a JSON object or JSONL of <c>{"id","text","tasks":[…]}</c> (any run of
/// top-level objects, so a pretty-printed object works too), or a <c>.txt</c> blob holding one document whose id is
/// the blob name. Every way a job can be malformed is a <see cref="JobFormatException"/> naming the reason.
/// </summary>
public sealed class JobParser(IReadOnlyList<string> defaultTasks, IReadOnlySet<string> knownTasks)
{
    public IReadOnlyList<JobDocument> Parse(string jobName, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        if (content.IsEmpty)
            throw new JobFormatException("empty job");
        if (content.Contains((byte)0))
            throw new JobFormatException("binary content (NUL bytes)");
        if (!Utf8.IsValid(content))
            throw new JobFormatException("invalid UTF-8");
        if (content.StartsWith(Encoding.UTF8.Preamble))
            content = content[Encoding.UTF8.Preamble.Length..];

        if (jobName.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            var text = Encoding.UTF8.GetString(content);
            if (string.IsNullOrWhiteSpace(text))
                throw new JobFormatException("empty job");
            return [new JobDocument(jobName, text, CheckTasks(defaultTasks))];
        }
        return ParseJson(content);
    }

    List<JobDocument> ParseJson(ReadOnlySpan<byte> content)
    {
        var documents = new List<JobDocument>();
        // AllowMultipleValues reads JSONL and a single (even multi-line) object with one reader.
        var reader = new Utf8JsonReader(
            content,
            new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip }
        );
        try
        {
            while (reader.Read())
            {
                using var value = JsonDocument.ParseValue(ref reader);
                documents.Add(ToDocument(value.RootElement, documents.Count + 1));
            }
        }
        catch (JsonException e)
        {
            // The message quotes the bad content: keep the reason on one line for logs and metadata.
            throw new JobFormatException(
                $"malformed JSON (line {e.LineNumber + 1}: {e.Message.ReplaceLineEndings(" ")})"
            );
        }
        if (documents.Count == 0)
            throw new JobFormatException("empty job");
        // Result lines are keyed by id: two documents with one id would give lines nobody can tell apart.
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (document, index) in documents.Select((d, i) => (d, i + 1)))
            if (!first.TryAdd(document.Id, index))
                throw new JobFormatException(
                    $"schema: documents {first[document.Id]} and {index} have the same id '{document.Id}' (ids "
                        + $"must be unique within a job)"
                );
        return documents;
    }

    JobDocument ToDocument(JsonElement element, int number)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new JobFormatException($"schema: document {number} is not a JSON object");
        var id = RequiredString(element, "id", number);
        var text = RequiredString(element, "text", number);
        if (!element.TryGetProperty("tasks", out var tasksElement) || tasksElement.ValueKind == JsonValueKind.Null)
            return new JobDocument(id, text, CheckTasks(defaultTasks));
        if (tasksElement.ValueKind != JsonValueKind.Array)
            throw new JobFormatException($"schema: document {number}: \"tasks\" must be an array of strings");
        var tasks = new List<string>();
        foreach (var task in tasksElement.EnumerateArray())
        {
            if (task.ValueKind != JsonValueKind.String)
                throw new JobFormatException($"schema: document {number}: \"tasks\" must be an array of strings");
            tasks.Add(task.GetString()!);
        }
        if (tasks.Count == 0)
            throw new JobFormatException($"schema: document {number}: \"tasks\" is empty");
        return new JobDocument(id, text, CheckTasks(tasks.Distinct(StringComparer.Ordinal).ToArray()));
    }

    static string RequiredString(JsonElement element, string name, int number)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            throw new JobFormatException($"schema: document {number}: \"{name}\" must be a string");
        var text = value.GetString()!;
        if (text.Length == 0)
            throw new JobFormatException($"schema: document {number}: \"{name}\" is empty");
        return text;
    }

    IReadOnlyList<string> CheckTasks(IReadOnlyList<string> tasks)
    {
        foreach (var task in tasks)
            if (!knownTasks.Contains(task))
                throw new JobFormatException($"unknown task '{task}' (known: {string.Join(", ", knownTasks.Order())})");
        return tasks;
    }
}
