using System.Text;

namespace NlpMtl.Core.Data;

/// <summary>A line of a data file with where it came from, so every error can name file, line and field.</summary>
internal readonly record struct DataLine(string Path, int Number, string Text)
{
    public bool IsBlank => string.IsNullOrWhiteSpace(Text);

    public InvalidDataException Error(string message) => new($"{Path}, line {Number}: {message}");

    public InvalidDataException Error(string field, string message) =>
        new($"{Path}, line {Number}, field '{field}': {message}");

    /// <summary> Streams the lines of a UTF-8 file (a BOM is skipped; CRLF and LF both end a line), numbered from 1.
    /// Bytes that are not UTF-8 fail naming the line and the column (in characters, and the byte offset in the line)
    /// where they start. </summary>
    public static IEnumerable<DataLine> ReadAll(string path)
    {
        // Opened here, not on first MoveNext, so a missing file fails at the call that names it.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Numbered(path, stream);
    }

    static IEnumerable<DataLine> Numbered(string path, FileStream stream)
    {
        using (stream)
        {
            var chunk = new byte[1 << 16];
            var line = new MemoryStream();
            var number = 0;
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                var rest = chunk.AsMemory(0, read);
                int newline;
                while ((newline = rest.Span.IndexOf((byte)'\n')) >= 0)
                {
                    line.Write(rest.Span[..newline]);
                    rest = rest[(newline + 1)..];
                    yield return Decode(path, ++number, line);
                    line.SetLength(0);
                }
                line.Write(rest.Span);
            }
            if (line.Length > 0)
                yield return Decode(path, ++number, line);
        }
    }

    static DataLine Decode(string path, int number, MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (number == 1 && bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[3..];
        if (bytes.EndsWith("\r"u8))
            bytes = bytes[..^1];
        // Strict: a file that is not UTF-8 fails instead of turning into U+FFFD characters the model trains on. Valid
        // lines decode once; only a bad one is decoded again, to say where it goes wrong.
        if (System.Text.Unicode.Utf8.IsValid(bytes))
            return new DataLine(path, number, Encoding.UTF8.GetString(bytes));
        var chars = new char[bytes.Length];
        System.Text.Unicode.Utf8.ToUtf16(
            bytes,
            chars,
            out var consumed,
            out var written,
            replaceInvalidSequences: false
        );
        throw new InvalidDataException(
            $"{path}, line {number}, column {written + 1} (byte {consumed + 1} of the line): not valid UTF-8 "
                + $"(0x{bytes[consumed]:X2}); save the file as UTF-8"
        );
    }
}
