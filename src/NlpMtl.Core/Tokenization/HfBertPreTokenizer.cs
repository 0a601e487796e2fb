using System.Text;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// HF tokenizers' <c>BertPreTokenizer</c>: split on whitespace, then every punctuation character becomes a word of
/// its own (<see cref="HfUnicode.IsPunctuation"/>: all non-alphanumeric ASCII and every P* category, astral ones
/// included). Symbols such as € or © stay inside words; Microsoft.ML.Tokenizers' word-or-punctuation regex would drop
/// them. Offsets and lengths are in UTF-16 units of the normalised text.
/// </summary>
public sealed class HfBertPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    public static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var words = new List<(int, int)>();
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            Rune rune;
            int width;
            if (c < 0x80)
            {
                rune = new Rune(c);
                width = 1;
            }
            else if (Rune.DecodeFromUtf16(text[i..], out rune, out width) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
            }
            if (HfUnicode.IsWhitespace(rune))
            {
                Flush(i);
            }
            else if (HfUnicode.IsPunctuation(rune))
            {
                Flush(i);
                words.Add((i, width));
            }
            else if (start < 0)
            {
                start = i;
            }
            i += width;
        }
        Flush(text.Length);
        return words;

        void Flush(int end)
        {
            if (start >= 0)
                words.Add((start, end - start));
            start = -1;
        }
    }
}
