using System.Globalization;
using System.Text;

namespace NlpMtl.Core.Tokenization;

/// <summary> The character classes of Hugging Face tokenizers' BERT normaliser and pre-tokeniser (Rust,
/// <c>normalizers/bert.rs</c>, <c>pre_tokenizers/bert.rs</c>), so that ids match the ones a checkpoint was trained on.
/// General categories come from .NET's tables. HF's come from the <c>unicode_categories</c> crate, generated from
/// UnicodeData.txt, which lists no unassigned code point: HF never sees Cn, so an unassigned character (U+0378) stays
/// inside its word and makes it [UNK] instead of being removed; private-use ranges are expanded there, so every Co
/// character is removed. The crate predates recent Unicode versions: a character assigned since then as Cf, Mn or P*
/// could be classed differently by HF (none of the 4,161 reference lines has one; they all match). </summary>
public static class HfUnicode
{
    static UnicodeCategory Category(Rune rune) => Rune.GetUnicodeCategory(rune);

    /// <summary>HF's <c>is_whitespace</c>: tab, newline, CR, and Rust's <c>char::is_whitespace</c>
    /// (White_Space).</summary>
    public static bool IsWhitespace(Rune rune) =>
        rune.IsAscii ? rune.Value is ' ' or >= '\t' and <= '\r' : Rune.IsWhiteSpace(rune);

    /// <summary>HF's <c>is_control</c>: categories Cc, Cf and Co (see above for Cn), except tab, newline and
    /// CR.</summary>
    public static bool IsControl(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && Category(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;

    /// <summary>HF's <c>is_bert_punc</c>: ASCII punctuation (so <c>$ ^ ` ~ + = &lt; &gt; |</c> too) or any P*
    /// category.</summary>
    public static bool IsPunctuation(Rune rune) =>
        rune.IsAscii
            ? rune.Value is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~'
            : Category(rune)
                is UnicodeCategory.ConnectorPunctuation
                    or UnicodeCategory.DashPunctuation
                    or UnicodeCategory.OpenPunctuation
                    or UnicodeCategory.ClosePunctuation
                    or UnicodeCategory.InitialQuotePunctuation
                    or UnicodeCategory.FinalQuotePunctuation
                    or UnicodeCategory.OtherPunctuation;

    /// <summary>HF's <c>is_mark_nonspacing</c> (Mn), what accent stripping removes after NFD.</summary>
    public static bool IsNonSpacingMark(Rune rune) => Category(rune) == UnicodeCategory.NonSpacingMark;

    /// <summary>
    /// HF's <c>is_chinese_char</c>, range for range (its fifth range starts at U+2B920, not at U+2B820 where
    /// Extension E begins, so U+2B820–U+2B91F stay part of words).
    /// </summary>
    public static bool IsChinese(int cp) =>
        cp
            is >= 0x4E00
                and <= 0x9FFF
                or >= 0x3400
                and <= 0x4DBF
                or >= 0x20000
                and <= 0x2A6DF
                or >= 0x2A700
                and <= 0x2B73F
                or >= 0x2B740
                and <= 0x2B81F
                or >= 0x2B920
                and <= 0x2CEAF
                or >= 0xF900
                and <= 0xFAFF
                or >= 0x2F800
                and <= 0x2FA1F;

    /// <summary>
    /// Rust's <c>char::to_lowercase</c>, one character at a time as HF's <c>NormalizedString::lowercase</c> applies it:
    /// the full mapping without context, so U+0130 (İ) becomes <c>i</c> + U+0307 and Σ is always σ. .NET's invariant
    /// lower-casing leaves U+0130 alone, and it is the only unconditional multi-character lower-case mapping.
    /// </summary>
    public static void AppendLowercase(StringBuilder builder, Rune rune)
    {
        if (rune.Value == 0x130)
        {
            builder.Append('i').Append('\u0307');
            return;
        }
        var lower = Rune.ToLowerInvariant(rune);
        if (lower.IsBmp)
            builder.Append((char)lower.Value);
        else
            builder.Append(lower.ToString());
    }
}
