using System.Text;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// HF tokenizers' <c>BertNormalizer</c>, step for step and in its order: clean text (drop NUL, U+FFFD and every
/// control/format/private-use/unassigned character; whitespace, tab and newlines included, becomes a space), space
/// out CJK ideographs, strip accents (NFD, drop non-spacing marks), lower-case each character. Microsoft.ML.Tokenizers'
/// own BERT normaliser deletes tabs and newlines, gluing words together, so we supply HF's rules instead.
/// </summary>
public sealed class HfBertNormalizer(BertTokenizerSettings settings) : Normalizer
{
    public BertTokenizerSettings Settings { get; } = settings;

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var cleaned = Clean(original);
        var strip = Settings.StripsAccents;
        if (!strip && !Settings.Lowercase)
            return cleaned;
        if (System.Text.Ascii.IsValid(cleaned))
            return Settings.Lowercase ? LowercaseAscii(cleaned) : cleaned; // NFD leaves ASCII alone and it has no marks
        var source = strip ? cleaned.Normalize(NormalizationForm.FormD) : cleaned;
        var result = new StringBuilder(source.Length);
        foreach (var rune in source.EnumerateRunes())
        {
            if (strip && HfUnicode.IsNonSpacingMark(rune))
                continue;
            if (Settings.Lowercase)
                HfUnicode.AppendLowercase(result, rune);
            else
                result.Append(rune.ToString());
        }
        return result.ToString();
    }

    /// <summary>Clean text and CJK spacing; the result is always valid UTF-16 (a lone surrogate reads as
    /// U+FFFD).</summary>
    string Clean(ReadOnlySpan<char> original)
    {
        var cleaned = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            if (Settings.CleanText)
            {
                if (rune.Value is 0 or 0xFFFD || HfUnicode.IsControl(rune))
                    continue;
                if (HfUnicode.IsWhitespace(rune))
                {
                    cleaned.Append(' ');
                    continue;
                }
            }
            if (Settings.HandleChineseChars && HfUnicode.IsChinese(rune.Value))
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else if (rune.IsBmp)
                cleaned.Append((char)rune.Value);
            else
                cleaned.Append(rune.ToString());
        }
        return cleaned.ToString();
    }

    static string LowercaseAscii(string text) =>
        string.Create(text.Length, text, static (span, source) => System.Text.Ascii.ToLower(source, span, out _));
}
