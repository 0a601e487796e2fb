using System.Text.RegularExpressions;
using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Text;

/// <summary>
/// The numbers of a source that its translation does not carry. A translator that learned on captions and everyday
/// sentences rewrites digits it rarely saw ("built in 1650" → "2013", "50,000 yen" → "50 Yen") and its output gives no
/// sign of it, so each translation lists them. A number is a run of ASCII digits with the separators of thousands,
/// decimals and times inside it (1,000 · 1.000 · 1 000 · 3,5 · 2:30); two numbers match when their digits do, so a
/// translation may write 50,000 as 50.000 or 2:30 as 2.30. Matching counts: a number twice in the source needs two in
/// the translation. A number the translation spells out ("8 hours" → "acht Stunden") is listed too: the check reads
/// digits, in any target language.
/// </summary>
public static partial class NumberCheck
{
    // Digit groups split by spaces only in the strict thousands form (1 to 3 digits, then groups of 3), so that
    // "in 2012 200 people" stays two numbers; otherwise . , : between digits.
    [GeneratedRegex(@"(?<![0-9])[0-9]{1,3}(?:[ \u00A0\u202F][0-9]{3})+(?![0-9])|[0-9]+(?:[.,:][0-9]+)*")]
    private static partial Regex Number();

    /// <returns>The numbers of <paramref name="source"/>, as written and in order, that
    /// <paramref name="translation"/> lacks.</returns>
    public static string[] Missing(string source, string translation) => Missing(Numbers(source), translation);

    static string[] Missing(IEnumerable<string> sourceNumbers, string translation)
    {
        var available = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var digits in Numbers(translation).Select(Digits))
            available[digits] = available.GetValueOrDefault(digits) + 1;
        var missing = new List<string>();
        foreach (var number in sourceNumbers)
        {
            var digits = Digits(number);
            if (available.GetValueOrDefault(digits) > 0)
                available[digits]--;
            else
                missing.Add(number);
        }
        return [.. missing];
    }

    /// <summary>The numbers in <paramref name="text"/>, as written, in order.</summary>
    public static IEnumerable<string> Numbers(string text) => Number().Matches(text).Select(m => m.Value);

    /// <summary>Over a set of translations, ×100: the sources' numbers that their translations lack.</summary>
    /// <returns>The sources' numbers and the percentage missing (0 when there are none).</returns>
    public static (int Numbers, double PercentMissing) Corpus(
        IReadOnlyList<string> sources,
        IReadOnlyList<string> translations
    )
    {
        MetricArguments.RequirePaired(sources, translations, nameof(sources), nameof(translations));
        int numbers = 0,
            missing = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            var sourceNumbers = Numbers(sources[i]).ToList();
            numbers += sourceNumbers.Count;
            missing += Missing(sourceNumbers, translations[i]).Length;
        }
        return (numbers, numbers == 0 ? 0 : 100.0 * missing / numbers);
    }

    static string Digits(string number) => string.Concat(number.Where(char.IsAsciiDigit));
}
