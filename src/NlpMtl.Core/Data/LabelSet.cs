using System.Globalization;

namespace NlpMtl.Core.Data;

/// <summary>The label vocabulary of a sentiment data set, in a fixed order so label ids are stable across
/// runs.</summary>
public static class LabelSet
{
    /// <summary>
    /// Distinct labels, sorted: numeric labels by value ("2" before "10") and before the rest, which sort ordinally.
    /// </summary>
    public static IReadOnlyList<string> Labels(IEnumerable<SentimentExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var example in examples)
            labels.Add(example.Label);
        var sorted = labels.ToList();
        sorted.Sort(Compare);
        return sorted;
    }

    static int Compare(string a, string b)
    {
        bool aNumeric = TryNumber(a, out var x),
            bNumeric = TryNumber(b, out var y);
        if (aNumeric && bNumeric)
        {
            var byValue = x.CompareTo(y);
            // "1" and "01" are equal as numbers but distinct labels: fall back to ordinal for a total order.
            return byValue != 0 ? byValue : string.CompareOrdinal(a, b);
        }
        if (aNumeric != bNumeric)
            return aNumeric ? -1 : 1;
        return string.CompareOrdinal(a, b);
    }

    // Plain decimal numbers only: "NaN", "1e3" or " 1" are names, not numbers.
    static bool TryNumber(string s, out decimal value)
    {
        value = 0;
        return s.Length > 0
            && s.All(c => char.IsAsciiDigit(c) || c is '-' or '.')
            && decimal.TryParse(
                s,
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture,
                out value
            );
    }
}
