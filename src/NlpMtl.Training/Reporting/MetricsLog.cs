using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlpMtl.Training.Reporting;

/// <summary>
/// Appends <see cref="MetricRecord"/>s to a JSONL file (conventionally <c>OUT/metrics.jsonl</c>), one object per line,
/// flushed per write so a crash loses at most the record being written and other processes can read it live.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    // NaN and ±Infinity are written as strings: a diverged loss is a fact worth keeping, and plain JSON has no NaN.
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly Lock gate = new();
    readonly StreamWriter writer;

    /// <summary>
    /// Starts a new log at <paramref name="path"/>, replacing any old one; or, with <paramref name="resumeFromStep"/>,
    /// keeps the existing records up to and including that step (those after it belong to the run being replaced,
    /// which got further than its last checkpoint) and appends after them.
    /// </summary>
    public MetricsLog(string path, long? resumeFromStep = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        if (resumeFromStep is { } step && File.Exists(path))
            KeepUpTo(path, step);

        var mode = resumeFromStep is null ? FileMode.Create : FileMode.Append;
        // FileShare.Read: a plot or a `tail -f` may read the log while training writes it.
        var stream = new FileStream(path, mode, FileAccess.Write, FileShare.Read);
        writer = new StreamWriter(stream, Utf8) { NewLine = "\n" };
    }

    public string Path { get; }

    public void Write(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.Kind, nameof(record));
        ArgumentException.ThrowIfNullOrEmpty(record.Name, nameof(record));
        var line = JsonSerializer.Serialize(record, Json);
        lock (gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    /// <summary>
    /// Every record in the file, in file order. A malformed line fails naming file and line, except an unfinished last
    /// line (no newline after it) that does not parse: that is a write cut short by a crash, and is skipped.
    /// </summary>
    public static IReadOnlyList<MetricRecord> Read(string path) => [.. ReadLines(path).Select(entry => entry.Record)];

    public void Dispose()
    {
        lock (gate)
            writer.Dispose();
    }

    static IEnumerable<(MetricRecord Record, string Line)> ReadLines(string path)
    {
        var unterminated = !EndsWithNewline(path);
        var number = 0;
        string? pending = null;
        // One line behind, so the last line is known to be the last when it is parsed.
        foreach (var line in File.ReadLines(path, Utf8))
        {
            if (pending is not null && Parse(path, number, pending, isUnfinishedLast: false) is { } record)
                yield return (record, pending);
            pending = line;
            number++;
        }
        if (pending is not null && Parse(path, number, pending, isUnfinishedLast: unterminated) is { } last)
            yield return (last, pending);
    }

    static MetricRecord? Parse(string path, int number, string line, bool isUnfinishedLast)
    {
        if (string.IsNullOrWhiteSpace(line))
            return null;
        try
        {
            return JsonSerializer.Deserialize<MetricRecord>(line, Json)
                ?? throw new JsonException("null instead of a record");
        }
        catch (JsonException) when (isUnfinishedLast)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}, line {number}: malformed metrics record ({e.Message})", e);
        }
    }

    static bool EndsWithNewline(string path)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length == 0)
            return true;
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    /// <summary>Rewrites the log without records after <paramref name="step"/>, through a temp file and a
    /// rename.</summary>
    static void KeepUpTo(string path, long step)
    {
        var temp = path + ".tmp";
        try
        {
            using (var output = new StreamWriter(temp, append: false, Utf8) { NewLine = "\n" })
            {
                foreach (var (record, line) in ReadLines(path))
                {
                    if (record.Step <= step)
                        output.WriteLine(line);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
