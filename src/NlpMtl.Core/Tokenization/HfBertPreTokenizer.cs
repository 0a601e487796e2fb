using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// HF <c>BasicTokenizer</c>'s split of normalised text: on whitespace, then every punctuation character becomes its
/// own word. Punctuation is HF's: all non-alphanumeric ASCII (so <c>$ ^ ` ~ + = &lt; &gt; |</c> too) and every Unicode
/// P* category. Symbols such as € or © stay words (and map to their vocabulary entry or [UNK]); Microsoft.ML.Tokenizers'
/// word-or-punctuation regex would drop them.
/// </summary>
public sealed class HfBertPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    static List<(int Offset, int Length)> Split(string text)
    {
        var words = new List<(int, int)>();
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                Flush(i);
            }
            else if (IsPunctuation(c))
            {
                Flush(i);
                words.Add((i, 1));
            }
            else if (start < 0)
            {
                start = i;
            }
        }
        Flush(text.Length);
        return words;

        void Flush(int end)
        {
            if (start >= 0) words.Add((start, end - start));
            start = -1;
        }
    }

    /// <summary>HF's <c>_is_punctuation</c>.</summary>
    static bool IsPunctuation(char c) =>
        c is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~'
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
