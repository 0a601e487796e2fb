using System.Text;
using System.Text.RegularExpressions;
using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Text;

/// <summary>
/// The numbers of a source that its translation does not carry. A translator that learned on captions and everyday
/// sentences rewrites digits it rarely saw ("built in 1650" → "2013", "50,000 yen" → "50 Yen") and its output gives no
/// sign of it, so each translation lists them, and <see cref="Restore"/> puts them back where the translation wrote
/// another number in their place. A number is a run of ASCII digits with the separators of thousands,
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

    /// <summary>
    /// The translation with the numbers it wrote in place of the source's put back. Out of its domain the translator
    /// keeps a number's place and rewrites its digits ("since 2009" → "seit 2012", "Room 213" → "Zimmer 1"), so the
    /// source's numbers that the translation lacks are paired with the translation's numbers that the source lacks,
    /// and each such translation number is replaced by the source's: as the source writes it, or with a
    /// <paramref name="convention"/>, in the target language's separators ("50,000 Yen" → "50.000 Yen"). Pairs keep
    /// the sentence's order and, where one side has more, join the numbers at the nearest relative places
    /// (<see cref="PairInOrder"/>). A source number left without a partner stays missing (dropped or spelt out); a
    /// translation number left without one stays (it may spell out a source word: "Two rooms" → "2 Zimmer").
    /// </summary>
    public static NumberRestoration Restore(string source, string translation, NumberConvention? convention = null)
    {
        // Each text is scanned once; its matches serve as the numbers to check and as the other side's supply.
        var sourceNumbers = Number().Matches(source);
        var translationNumbers = Number().Matches(translation);
        var lost = Unmatched(sourceNumbers, m => m.Value, translationNumbers.Select(m => m.Value));
        var written = Unmatched(translationNumbers, m => m.Value, sourceNumbers.Select(m => m.Value));
        var pairs = PairInOrder(
            [.. lost.Select(m => (double)m.Index / source.Length)],
            [.. written.Select(m => (double)m.Index / translation.Length)]
        );
        var text = new StringBuilder(translation);
        foreach (var (l, w) in pairs.AsEnumerable().Reverse()) // from the end, so earlier offsets stay valid
            text.Remove(written[w].Index, written[w].Length)
                .Insert(written[w].Index, convention?.Convert(lost[l].Value) ?? lost[l].Value);
        var paired = pairs.Select(p => p.A).ToHashSet();
        return new(
            text.ToString(),
            [.. pairs.Select(p => new RestoredNumber(lost[p.A].Value, written[p.B].Value))],
            [.. lost.Where((_, i) => !paired.Contains(i)).Select(m => m.Value)]
        );
    }

    /// <returns>The <paramref name="sourceNumbers"/> (as <see cref="Numbers"/> gives them), in order, that
    /// <paramref name="translation"/> lacks.</returns>
    public static string[] Missing(IEnumerable<string> sourceNumbers, string translation) =>
        [.. Unmatched(sourceNumbers, n => n, Numbers(translation))];

    /// <returns>The <paramref name="numbers"/>, in order, whose digits <paramref name="others"/> do not hold, counted:
    /// each of the others accounts for one number.</returns>
    static List<T> Unmatched<T>(IEnumerable<T> numbers, Func<T, string> written, IEnumerable<string> others)
    {
        var available = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var digits in others.Select(Digits))
            available[digits] = available.GetValueOrDefault(digits) + 1;
        var unmatched = new List<T>();
        foreach (var number in numbers)
        {
            var digits = Digits(written(number));
            if (available.GetValueOrDefault(digits) > 0)
                available[digits]--;
            else
                unmatched.Add(number);
        }
        return unmatched;
    }

    /// <summary>Pairs each item of the shorter list with its own item of the longer, both lists in order, at the
    /// least total distance between the items' places (0–1, where in its text each stands): the items of the longer
    /// list left out are those with no counterpart nearby. Equal lengths pair first with first.</summary>
    /// <returns>(index in <paramref name="a"/>, index in <paramref name="b"/>), ascending.</returns>
    static List<(int A, int B)> PairInOrder(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count > b.Count)
            return [.. PairInOrder(b, a).Select(p => (p.B, p.A))];
        // cost[i, j]: the least distance pairing all of a's first i items within b's first j (j >= i).
        var cost = new double[a.Count + 1, b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        for (var j = i; j <= b.Count; j++)
            cost[i, j] = Math.Min(
                j > i ? cost[i, j - 1] : double.PositiveInfinity, // b's j-th left out
                cost[i - 1, j - 1] + Math.Abs(a[i - 1] - b[j - 1])
            );
        var pairs = new List<(int A, int B)>();
        for (int i = a.Count, j = b.Count; i > 0; j--)
            if (j == i || cost[i, j] != cost[i, j - 1])
                pairs.Add((--i, j - 1));
        pairs.Reverse();
        return pairs;
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
