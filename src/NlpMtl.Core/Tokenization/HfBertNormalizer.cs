using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// HF <c>BasicTokenizer</c>'s text clean-up, before splitting: drop NUL, U+FFFD and control characters, map every
/// whitespace character (tab and newlines included) to a space, surround CJK ideographs with spaces, and — for
/// uncased models — lower-case and strip accents (NFD, drop non-spacing marks). Microsoft.ML.Tokenizers' own BERT
/// normaliser deletes tabs and newlines, gluing words together, so we supply HF's rules instead.
/// </summary>
public sealed class HfBertNormalizer(bool lowerCase) : Normalizer
{
    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var cleaned = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune)) continue;
            if (Rune.IsWhiteSpace(rune)) cleaned.Append(' ');
            else if (IsCjk(rune.Value)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }
        if (!lowerCase) return cleaned.ToString();

        var decomposed = cleaned.ToString().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var stripped = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) stripped.Append(c);
        }
        return stripped.ToString();
    }

    /// <summary>HF's <c>_is_control</c>: categories Cc and Cf, except tab, newline and carriage return (whitespace).</summary>
    static bool IsControl(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format;

    /// <summary>HF's <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks.</summary>
    static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
