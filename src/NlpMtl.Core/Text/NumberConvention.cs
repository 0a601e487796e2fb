using System.Globalization;

namespace NlpMtl.Core.Text;

/// <summary>
/// Rewrites a number's separators from the source language's way to the target's: en → de turns 50,000 into 50.000
/// and 3.5 into 3,5. A number <see cref="NumberCheck.Restore"/> puts back comes from the source as the source writes
/// it, and a German reader takes "50,000 Yen" for fifty. Only a number well formed in the source's convention changes
/// (digits, its group separator between groups of three, at most one decimal separator); times (2:30), space-grouped
/// numbers and anything else stay as written. The separators are .NET's for each culture (ICU's data); a process
/// without culture data (globalization-invariant mode, e.g. a container without ICU) has none to give, and there
/// numbers stay as the source writes them.
/// </summary>
public sealed class NumberConvention
{
    readonly NumberFormatInfo source;
    readonly NumberFormatInfo target;

    NumberConvention(CultureInfo source, CultureInfo target) =>
        (this.source, this.target) = (source.NumberFormat, target.NumberFormat);

    /// <summary>The convention between two languages (BCP-47 names, e.g. "en" and "de"); null when either is not
    /// given or the process has no culture data (<see cref="CulturesAvailable"/>), so numbers stay as the source
    /// writes them.</summary>
    /// <exception cref="CultureNotFoundException">A name that is not a known culture.</exception>
    public static NumberConvention? Between(string? sourceLanguage, string? targetLanguage) =>
        sourceLanguage is null || targetLanguage is null || !CulturesAvailable
            ? null
            : new(Culture(sourceLanguage), Culture(targetLanguage));

    /// <summary>Whether this process has culture data: false in .NET's globalization-invariant mode, where every
    /// named culture is refused. Asked once, when the type is first used.</summary>
    static readonly bool CulturesAvailable = HasCultureData();

    static bool HasCultureData()
    {
        try
        {
            return Culture("en").NumberFormat.NumberDecimalSeparator == ".";
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The culture named <paramref name="name"/>, refusing names ICU does not know (it would otherwise make
    /// up a culture with invariant separators).</summary>
    static CultureInfo Culture(string name) => CultureInfo.GetCultureInfo(name, predefinedOnly: true);

    /// <returns><paramref name="number"/> with the target's separators, or as it is when it is not a number written in
    /// the source's convention.</returns>
    public string Convert(string number)
    {
        var (group, point) = (source.NumberGroupSeparator, source.NumberDecimalSeparator);
        var parts = number.Split(point);
        if (parts.Length > 2 || (parts.Length == 2 && !IsDigits(parts[1])))
            return number;
        // Digits, and where grouped, 1 to 3 of them and then groups of 3.
        var groups = parts[0].Split(group);
        var wellFormed =
            groups.All(IsDigits)
            && (groups.Length == 1 || (groups[0].Length <= 3 && groups.Skip(1).All(g => g.Length == 3)));
        if (!wellFormed || (groups.Length == 1 && parts.Length == 1))
            return number; // not the source's form, or no separator to rewrite
        var integer = string.Join(target.NumberGroupSeparator, groups);
        return parts.Length == 2 ? integer + target.NumberDecimalSeparator + parts[1] : integer;
    }

    static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
