using System.Text.Json;

namespace NlpMtl.Core.Data;

/// <summary>A document to predict on: an id and its text (which may be empty).</summary>
public sealed record TextDocument(string Id, string Text);

/// <summary> Reads <c>nlpmtl predict</c> input (docs/contracts.md): JSONL of <c>{"id": str|int, "text": str}</c> (blank
/// lines skipped; a missing id becomes the line number) or a <c>.txt</c> file with one document per line, id = line
/// number from 1 (a blank line is an empty document, so every line gets an output). Streams lazily; any problem fails
/// with an <see cref="InvalidDataException"/> naming file, line and field. </summary>
public static class DocumentReader
{
    public static IEnumerable<TextDocument> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: input file not found", path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".jsonl" or ".json" or ".txt"))
            throw new InvalidDataException(
                $"{path}: input must be .jsonl ({{\"id\",\"text\"}} per line) or .txt (one document per line)"
            );
        return extension == ".txt" ? ReadText(path) : ReadJsonl(path);
    }

    static IEnumerable<TextDocument> ReadText(string path)
    {
        foreach (var line in DataLine.ReadAll(path))
            yield return new TextDocument(
                line.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                line.Text
            );
    }

    static IEnumerable<TextDocument> ReadJsonl(string path)
    {
        foreach (var line in DataLine.ReadAll(path))
        {
            if (line.IsBlank)
                continue;
            using var document = JsonFields.ParseObject(line);
            var root = document.RootElement;
            var text = JsonFields.Required(line, root, "text");
            if (text.ValueKind != JsonValueKind.String)
                throw line.Error("text", $"expected a string, found {text.ValueKind.ToString().ToLowerInvariant()}");
            var id =
                root.TryGetProperty("id", out var idValue) && idValue.ValueKind != JsonValueKind.Null
                    ? JsonFields.Label(line, idValue, "id")
                    : line.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return new TextDocument(id, text.GetString()!);
        }
    }
}
