using System.Text.Json;

namespace NlpMtl.Core.Data;

/// <summary> Reads training and evaluation data in the formats of docs/contracts.md: SST-2 TSV or JSONL for sentiment;
/// SciTLDR-style JSONL or two aligned plain-text files (Multi30k) for summarization and translation. Files are streamed
/// a line at a time; any problem fails with an <see cref="InvalidDataException"/> naming file, line (from 1) and field.
/// </summary>
public static class DatasetReader
{
    /// <summary>
    /// Sentiment examples from a <c>.tsv</c> file whose header row has <c>sentence</c> and <c>label</c> columns
    /// (SST-2; other columns are ignored), or a <c>.jsonl</c> file of <c>{"text": str, "label": str|int}</c>.
    /// </summary>
    public static IReadOnlyList<SentimentExample> ReadSentiment(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Extension(path) switch
        {
            ".tsv" => ReadSentimentTsv(path),
            ".jsonl" or ".json" => ReadSentimentJsonl(path),
            _ => throw new InvalidDataException($"{path}: sentiment data must be .tsv (SST-2) or .jsonl"),
        };
    }

    /// <summary>
    /// Source/target pairs. With <paramref name="targetPath"/>, <paramref name="path"/> and it are aligned plain-text
    /// files, one example per line (Multi30k <c>train.en</c>/<c>train.de</c>); their line counts must match.
    /// Without it, <paramref name="path"/> is JSONL of <c>{"source": str|[sentences], "target": str|[references]}</c>:
    /// source sentences are joined with one space, and every target is kept as a reference (SciTLDR). An optional
    /// <c>source_labels</c> array (one 0/1 per source sentence) marks the extractive oracle sentences.
    /// </summary>
    public static IReadOnlyList<Seq2SeqExample> ReadSeq2Seq(string path, string? targetPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (targetPath is not null)
            return ReadAlignedPair(path, targetPath);
        return Extension(path) is ".jsonl" or ".json"
            ? ReadSeq2SeqJsonl(path)
            : throw new InvalidDataException(
                $"{path}: expected .jsonl, or a plain-text source with its aligned target file"
            );
    }

    static List<SentimentExample> ReadSentimentTsv(string path)
    {
        var examples = new List<SentimentExample>();
        int sentenceColumn = -1,
            labelColumn = -1,
            columns = 0;
        foreach (var line in DataLine.ReadAll(path))
        {
            if (columns == 0)
            {
                // SST-2 (GLUE) TSV has no quoting, so a plain split on tabs is the format, not a shortcut.
                var header = line.Text.Split('\t');
                columns = header.Length;
                sentenceColumn = Array.FindIndex(header, h =>
                    h.Trim().Equals("sentence", StringComparison.OrdinalIgnoreCase)
                );
                labelColumn = Array.FindIndex(header, h =>
                    h.Trim().Equals("label", StringComparison.OrdinalIgnoreCase)
                );
                if (sentenceColumn < 0)
                    throw line.Error("sentence", "missing column in the header row");
                if (labelColumn < 0)
                    throw line.Error("label", "missing column in the header row");
                continue;
            }
            if (line.IsBlank)
                continue;

            var fields = line.Text.Split('\t');
            if (fields.Length <= Math.Max(sentenceColumn, labelColumn))
            {
                var missing = fields.Length <= sentenceColumn ? "sentence" : "label";
                throw line.Error(
                    missing,
                    $"missing (the row has {fields.Length} tab-separated fields, the header {columns})"
                );
            }
            // A tab inside a sentence shifts every field after it: refuse the row rather than train on a wrong label.
            if (fields.Length > columns)
                throw line.Error(
                    $"column {columns + 1}: the row has {fields.Length} tab-separated fields, the header "
                        + $"{columns} (a tab inside the text?)"
                );
            // SST-2 sentences end with a space before the tab: trailing whitespace is not part of the text.
            var text = fields[sentenceColumn].TrimEnd();
            var label = fields[labelColumn].Trim();
            if (text.Length == 0)
                throw line.Error("sentence", "empty text");
            if (label.Length == 0)
                throw line.Error("label", "empty label");
            examples.Add(new SentimentExample(text, label));
        }
        if (columns == 0)
            throw new InvalidDataException(
                $"{path}, line 1: empty file, expected a header row with 'sentence' and 'label'"
            );
        return examples;
    }

    static List<SentimentExample> ReadSentimentJsonl(string path)
    {
        var examples = new List<SentimentExample>();
        foreach (var line in DataLine.ReadAll(path))
        {
            if (line.IsBlank)
                continue;
            using var document = JsonFields.ParseObject(line);
            var root = document.RootElement;
            var text = JsonFields.Text(line, JsonFields.Required(line, root, "text"), "text");
            var label = JsonFields.Label(line, JsonFields.Required(line, root, "label"), "label");
            examples.Add(new SentimentExample(text, label));
        }
        return examples;
    }

    static List<Seq2SeqExample> ReadSeq2SeqJsonl(string path)
    {
        var examples = new List<Seq2SeqExample>();
        foreach (var line in DataLine.ReadAll(path))
        {
            if (line.IsBlank)
                continue;
            using var document = JsonFields.ParseObject(line);
            var root = document.RootElement;
            var sourceField = JsonFields.Required(line, root, "source");
            var source = string.Join(' ', JsonFields.TextOrArray(line, sourceField, "source"));
            var targets = JsonFields.TextOrArray(line, JsonFields.Required(line, root, "target"), "target");
            examples.Add(new Seq2SeqExample(source, targets, ExtractiveOracle(line, root, sourceField)));
        }
        return examples;
    }

    /// <summary>The source sentences <c>source_labels</c> marks with 1, joined; null without labels or with none
    /// marked.</summary>
    static string? ExtractiveOracle(DataLine line, JsonElement root, JsonElement source)
    {
        if (!root.TryGetProperty("source_labels", out var labels) || labels.ValueKind == JsonValueKind.Null)
            return null;
        if (source.ValueKind != JsonValueKind.Array)
            throw line.Error("source_labels", "needs 'source' to be an array of sentences");
        if (labels.ValueKind != JsonValueKind.Array)
            throw line.Error("source_labels", "expected an array of 0/1 numbers");
        if (labels.GetArrayLength() != source.GetArrayLength())
            throw line.Error(
                "source_labels",
                $"has {labels.GetArrayLength()} entries but 'source' has {source.GetArrayLength()} sentences"
            );
        var marked = new List<string>();
        var index = 0;
        foreach (var (label, sentence) in labels.EnumerateArray().Zip(source.EnumerateArray()))
        {
            var name = $"source_labels[{index++}]";
            if (label.ValueKind != JsonValueKind.Number || !label.TryGetInt32(out var value) || value is not (0 or 1))
                throw line.Error(name, $"expected 0 or 1, found {label.GetRawText()}");
            // 'source' was already checked to hold strings; an empty marked sentence adds nothing.
            if (value == 1 && sentence.GetString()!.Trim() is { Length: > 0 } text)
                marked.Add(text);
        }
        return marked.Count > 0 ? string.Join(' ', marked) : null;
    }

    static List<Seq2SeqExample> ReadAlignedPair(string sourcePath, string targetPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetPath);
        var examples = new List<Seq2SeqExample>();
        using var sources = DataLine.ReadAll(sourcePath).GetEnumerator();
        using var targets = DataLine.ReadAll(targetPath).GetEnumerator();
        while (true)
        {
            bool hasSource = sources.MoveNext(),
                hasTarget = targets.MoveNext();
            if (!hasSource || !hasTarget)
            {
                if (hasSource == hasTarget)
                    return examples;
                // Count the rest of the longer file so the message gives both totals.
                var longer = hasSource ? sources : targets;
                var longerCount = examples.Count + 1;
                while (longer.MoveNext())
                    longerCount++;
                var (sourceCount, targetCount) = hasSource
                    ? (longerCount, examples.Count)
                    : (examples.Count, longerCount);
                throw new InvalidDataException(
                    $"{sourcePath} has {sourceCount} lines but {targetPath} has {targetCount}: aligned files need "
                        + $"one target line per source line"
                );
            }
            // Blank lines cannot be skipped here: line n of one file is the translation of line n of the other.
            var source = sources.Current.Text.Trim();
            var target = targets.Current.Text.Trim();
            if (source.Length == 0)
                throw sources.Current.Error("source", "empty text");
            if (target.Length == 0)
                throw targets.Current.Error("target", "empty text");
            examples.Add(new Seq2SeqExample(source, [target]));
        }
    }

    static string Extension(string path) => Path.GetExtension(path).ToLowerInvariant();
}
