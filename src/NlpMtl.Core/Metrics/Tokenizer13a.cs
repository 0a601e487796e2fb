using System.Text.RegularExpressions;

namespace NlpMtl.Core.Metrics;

/// <summary>
/// sacreBLEU's <c>Tokenizer13a</c> (mteval-v13a.pl, used by WMT): the same replacements and regexes in the same
/// order. .NET's <see cref="Regex.Replace(string, string)"/> takes leftmost non-overlapping matches like Python's
/// <c>re.sub</c>, so e.g. "a.,b" gives "a . , b" in both.
/// </summary>
internal static partial class Tokenizer13a
{
    public static string Tokenize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = line.Replace("<skipped>", "", StringComparison.Ordinal)
            .Replace("-\n", "", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal)
            .Replace("&quot;", "\"", StringComparison.Ordinal)
            .Replace("&amp;", "&", StringComparison.Ordinal)
            .Replace("&lt;", "<", StringComparison.Ordinal)
            .Replace("&gt;", ">", StringComparison.Ordinal);

        line = $" {line} ";
        line = Punctuation().Replace(line, " $1 ");
        line = PeriodOrCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodOrCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', PythonWhitespace.Split(line));
    }

    // ASCII symbols {|}~ [\]^_` space !"#$%& ()*+ :;<=>?@ and /; not the apostrophe, comma, period or dash,
    // which the rules below treat by context (so "wasn't" and "well-known" stay whole).
    [GeneratedRegex(@"([{-~\[-` -&(-+:-@/])")]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"([^0-9])([.,])")]
    private static partial Regex PeriodOrCommaAfterNonDigit();

    [GeneratedRegex(@"([.,])([^0-9])")]
    private static partial Regex PeriodOrCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DashAfterDigit();
}
