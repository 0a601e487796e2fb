using System.Text.Json;
using NlpMtl.Core.Hardware;

namespace NlpMtl.Training.Reporting;

/// <summary>One start of <c>train</c> on one machine: from which step, on which CPU, with how many threads and in
/// which precision. The same recipe reaches several times more steps on one CPU than on another in its time budget,
/// so a run's figures mean little without it.</summary>
public sealed record MachineRecord(
    DateTimeOffset Started,
    long FromStep,
    CpuDescription Cpu,
    int Threads,
    string Precision,
    string PrecisionReason
)
{
    /// <summary>This process's machine.</summary>
    public static MachineRecord Current(long fromStep, int threads, PrecisionChoice precision) =>
        new(DateTimeOffset.UtcNow, fromStep, CpuDescription.Current, threads, precision.Name, precision.Reason);
}

/// <summary><c>OUT/machines.jsonl</c>: one <see cref="MachineRecord"/> per start of training, so a run resumed on
/// another machine lists both.</summary>
public static class MachineLog
{
    public const string FileName = "machines.jsonl";

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Starts the file afresh for a new run; a resumed run (<paramref name="resumed"/>) adds its line to
    /// those of the starts before it.</summary>
    public static void Write(string outputDirectory, MachineRecord record, bool resumed)
    {
        var path = Path.Combine(outputDirectory, FileName);
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        if (resumed)
            File.AppendAllText(path, line);
        else
            File.WriteAllText(path, line);
    }

    public static IReadOnlyList<MachineRecord> Read(string outputDirectory)
    {
        var path = Path.Combine(outputDirectory, FileName);
        return
        [
            .. File.ReadLines(path)
                .Where(line => line.Length > 0)
                .Select(
                    (line, i) =>
                        JsonSerializer.Deserialize<MachineRecord>(line, Json)
                        ?? throw new InvalidDataException($"{path}: line {i + 1} is empty")
                ),
        ];
    }
}
