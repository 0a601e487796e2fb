using System.Text;

namespace NlpMtl.Core.Data;

/// <summary>A line of a data file with where it came from, so every error can name file, line and field.</summary>
internal readonly record struct DataLine(string Path, int Number, string Text)
{
    // Strict: a file that is not UTF-8 fails instead of turning into U+FFFD characters the model trains on.
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public bool IsBlank => string.IsNullOrWhiteSpace(Text);

    public InvalidDataException Error(string message) => new($"{Path}, line {Number}: {message}");

    public InvalidDataException Error(string field, string message) =>
        new($"{Path}, line {Number}, field '{field}': {message}");

    /// <summary>
    /// Streams the lines of a UTF-8 file (a BOM is skipped; CRLF and LF both end a line), numbered from 1.
    /// </summary>
    public static IEnumerable<DataLine> ReadAll(string path)
    {
        // Opened here, not on first MoveNext, so a missing file fails at the call that names it.
        var lines = File.ReadLines(path, StrictUtf8);
        return Numbered(path, lines);
    }

    static IEnumerable<DataLine> Numbered(string path, IEnumerable<string> lines)
    {
        using var enumerator = lines.GetEnumerator();
        for (var number = 1; ; number++)
        {
            bool more;
            try
            {
                more = enumerator.MoveNext();
            }
            catch (DecoderFallbackException e)
            {
                // The reader decodes a buffer at a time, so the bad byte is at or after this line, not exactly on it.
                throw new InvalidDataException($"{path}, line {number} or later: not valid UTF-8 ({e.Message})", e);
            }
            if (!more)
                yield break;
            yield return new DataLine(path, number, enumerator.Current);
        }
    }
}
