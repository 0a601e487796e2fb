using System.Text.RegularExpressions;

namespace NlpMtl.Inference.Documents;

/// <summary>
/// An extracted summary sentence without the discourse connective it opens with ("However,", "Furthermore,", "To
/// this end,"). Read alone as a document's one-line summary, such an opening points at sentences the reader does not
/// have ("Furthermore, we decompose …" follows nothing). Only a listed phrase followed by a comma goes, so what stays
/// is the sentence's own words in its own order and its claim is untouched. Openings that frame the sentence as the
/// document's own ("In this paper,", "Here,") point at nothing missing and stay, as do those that narrow a claim
/// ("Empirically,", "For example,", "In our experiments,"). The list is English, the summarizer's training language
/// (SciTLDR); a sentence in another language keeps its opening.
/// </summary>
public static partial class SummaryOpening
{
    /// <summary>The connectives that go: the commonest comma-closed openings of SciTLDR-A's training sentences that
    /// only link a sentence to its neighbours (docs/benchmarks.md, "Summary openings").</summary>
    static readonly string[] Connectives =
    [
        "however",
        "furthermore",
        "moreover",
        "in addition",
        "additionally",
        "besides",
        "further",
        "also",
        "finally",
        "first",
        "firstly",
        "second",
        "secondly",
        "third",
        "thirdly",
        "lastly",
        "then",
        "next",
        "meanwhile",
        "in particular",
        "specifically",
        "more specifically",
        "to this end",
        "to that end",
        "to achieve this",
        "to address this",
        "to address this issue",
        "to address this problem",
        "thus",
        "therefore",
        "hence",
        "consequently",
        "accordingly",
        "as a result",
        "as such",
        "nevertheless",
        "nonetheless",
        "yet",
        "on the other hand",
        "in contrast",
        "instead",
        "similarly",
        "likewise",
        "overall",
        "in fact",
        "in other words",
        "in short",
        "in summary",
        "to summarize",
        "in conclusion",
        "in this regard",
        "notably",
        "importantly",
        "more importantly",
        "crucially",
        "interestingly",
        "surprisingly",
        "unfortunately",
    ];

    // Each phrase must be followed by its comma, so "first" never takes the start of "firstly,".
    static readonly Regex Opening = new(
        "^(?:" + string.Join('|', Connectives.Select(c => Regex.Escape(c).Replace(@"\ ", @"\s+"))) + @")\s*,\s+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant
    );

    /// <summary>
    /// <paramref name="sentence"/> without its opening connectives (a chain such as "However, to this end," goes
    /// whole), the next word capitalised when it is a plain lower-case word ("we" → "We"; "word2vec" and "iPhone"
    /// stay as written). A sentence that would keep no letter stays as it is.
    /// </summary>
    public static string Trim(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        var rest = sentence;
        for (var match = Opening.Match(rest); match.Success; match = Opening.Match(rest))
            rest = rest[match.Length..];
        if (rest.Length == sentence.Length || !rest.Any(char.IsLetter))
            return sentence;
        var firstWord = rest.Split((char[]?)null, 2)[0];
        return IsPlainLowerCaseWord(firstWord) ? char.ToUpperInvariant(rest[0]) + rest[1..] : rest;
    }

    static bool IsPlainLowerCaseWord(string word) => PlainLowerCaseWord().IsMatch(word);

    [GeneratedRegex(@"^[a-z][a-z'’-]*[\p{P}]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainLowerCaseWord();
}
