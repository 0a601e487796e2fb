using System.Text;
using NlpMtl.Core.Data;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Inference.Files;

/// <summary>
/// <c>nlpmtl predict</c> without the CLI: an input file (<see cref="DocumentReader"/> formats) through one task of the
/// engine into a JSONL file, one line per input in input order. The input is checked whole before any inference, so a
/// bad line fails in seconds, and the output appears only when complete (written beside it, then renamed).
/// </summary>
public static class PredictionFile
{
    /// <summary>Documents per engine call: bounds memory on huge inputs while leaving the planner plenty to
    /// sort.</summary>
    const int ChunkSize = 4096;

    /// <summary>Characters per engine call: whole documents become many rows each, so a chunk of long documents is cut
    /// sooner (a document longer than this alone is still one call, bounded by the engine's token cap).</summary>
    const long ChunkCharacters = 4 << 20;

    /// <summary>Reads every line (failing on the first bad one, naming file and line) and counts the documents; an
    /// empty input fails too. Cheap next to inference: callers may check before loading a bundle.</summary>
    public static int Check(string inputPath)
    {
        var total = DocumentReader.Read(inputPath).Count();
        return total > 0 ? total : throw new InvalidDataException($"{inputPath}: empty input, no documents");
    }

    /// <param name="checkedDocuments">The count <see cref="Check"/> returned, when the caller checked the input already
    /// (e.g. before loading the bundle); otherwise the input is checked here.</param>
    /// <returns>Documents predicted.</returns>
    public static int Run(
        InferenceEngine engine,
        string task,
        string inputPath,
        string outputPath,
        BatchingOptions? batching = null,
        IProgress<int>? progress = null,
        int? checkedDocuments = null,
        CancellationToken cancellationToken = default
    )
    {
        if (!engine.Tasks.Contains(task))
            throw new ArgumentException(
                $"{engine.Bundle.Directory}: the bundle has no '{task}' task (tasks: "
                    + $"{string.Join(", ", engine.Tasks)})",
                nameof(task)
            );
        var total = checkedDocuments ?? Check(inputPath);

        var full = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = $"{full}.partial";
        try
        {
            using (
                var writer = new StreamWriter(
                    partial,
                    append: false,
                    new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)
                )
            )
            {
                writer.NewLine = "\n";
                var done = 0;
                foreach (var chunk in Chunks(DocumentReader.Read(inputPath)))
                {
                    var results = engine.Predict(
                        chunk.Select(d => new DocumentRequest(d.Id, d.Text, [task])).ToList(),
                        batching,
                        cancellationToken
                    );
                    foreach (var result in results)
                    foreach (var prediction in result.Predictions)
                        writer.WriteLine(prediction.ToJson());
                    done += chunk.Length;
                    progress?.Report(done);
                }
            }
            File.Move(partial, full, overwrite: true);
            return total;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    static IEnumerable<TextDocument[]> Chunks(IEnumerable<TextDocument> documents)
    {
        var chunk = new List<TextDocument>();
        long characters = 0;
        foreach (var document in documents)
        {
            if (chunk.Count > 0 && (chunk.Count == ChunkSize || characters + document.Text.Length > ChunkCharacters))
            {
                yield return [.. chunk];
                (chunk, characters) = ([], 0);
            }
            chunk.Add(document);
            characters += document.Text.Length;
        }
        if (chunk.Count > 0)
            yield return [.. chunk];
    }
}
