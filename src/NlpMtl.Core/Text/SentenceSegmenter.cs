using ICU4N.Globalization;
using ICU4N.Text;

namespace NlpMtl.Core.Text;

/// <summary>A sentence of a document: where it starts in the text and how many characters it spans (trailing
/// whitespace excluded).</summary>
public readonly record struct SentenceSpan(int Start, int Length)
{
    public int End => Start + Length;

    public string Of(string text) => text.Substring(Start, Length);
}

/// <summary>
/// Splits a document into sentences with ICU's sentence break rules (UAX #29, ICU4N's <see cref="BreakIterator"/>,
/// English with ICU's standard abbreviation suppressions, <c>en@ss=standard</c>), then repairs what ICU still gets
/// wrong in running English: a break after an abbreviation (<c>e.g.</c>, <c>U.S.</c>, <c>Dr.</c>, <c>No.</c>, …)
/// followed by a lower-case word or a digit is not a sentence end. Line breaks always end a sentence (ICU's rule for
/// paragraph separators), so a caller that replaces each span keeps the document's layout. Spans exclude the
/// whitespace around them; whitespace-only text has no sentences. Thread-safe.
/// </summary>
public static class SentenceSegmenter
{
    static readonly UCultureInfo English = new("en@ss=standard");

    /// <summary>
    /// ICU4N's sentence iterators are not safe to use concurrently, even as separate clones or instances (the filtered
    /// iterator shares state: parallel use returned wrong boundaries and threw), so one iterator serves every caller
    /// under a lock. Segmenting is a small part of a document's cost next to running the model on it.
    /// </summary>
    static readonly Lock Gate = new();
    static readonly BreakIterator Iterator = BreakIterator.GetSentenceInstance(English);

    /// <summary>Abbreviations (lower-cased, with their dots) after which a lower-case word or number continues the
    /// sentence. ICU's own suppression list covers titles before capitalised names (Mr., Dr.).</summary>
    static readonly HashSet<string> Abbreviations = new(StringComparer.Ordinal)
    {
        "e.g.",
        "i.e.",
        "etc.",
        "vs.",
        "cf.",
        "al.",
        "approx.",
        "ca.",
        "u.s.",
        "u.k.",
        "u.n.",
        "e.u.",
        "no.",
        "nos.",
        "fig.",
        "figs.",
        "eq.",
        "eqs.",
        "sec.",
        "ch.",
        "vol.",
        "pp.",
        "p.",
        "dr.",
        "mr.",
        "mrs.",
        "ms.",
        "prof.",
        "st.",
        "jr.",
        "sr.",
        "inc.",
        "ltd.",
        "co.",
        "corp.",
        "jan.",
        "feb.",
        "mar.",
        "apr.",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "sept.",
        "oct.",
        "nov.",
        "dec.",
        "a.m.",
        "p.m.",
        "ph.d.",
        "resp.",
        "est.",
        "dept.",
        "univ.",
        "sen.",
        "rep.",
        "gen.",
        "gov.",
        "col.",
        "lt.",
        "sgt.",
        "capt.",
        "rev.",
        "hon.",
        "mt.",
        "ave.",
    };

    /// <summary>Abbreviations that, before a capitalised word, still do not end a sentence (titles, "e.g. Paris", "U.S.
    /// Army"): a sentence that really ends with one of these is joined to the next, the rarer error in running
    /// text.</summary>
    static readonly HashSet<string> BeforeNames = new(StringComparer.Ordinal)
    {
        "e.g.",
        "i.e.",
        "cf.",
        "vs.",
        "dr.",
        "mr.",
        "mrs.",
        "ms.",
        "prof.",
        "st.",
        "no.",
        "fig.",
        "figs.",
        "eq.",
        "sec.",
        "vol.",
        "pp.",
        "sen.",
        "rep.",
        "gen.",
        "gov.",
        "col.",
        "lt.",
        "sgt.",
        "capt.",
        "rev.",
        "hon.",
        "mt.",
        "u.s.",
        "u.k.",
        "u.n.",
        "e.u.",
    };

    public static List<SentenceSpan> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<SentenceSpan>();
        if (text.Length == 0)
            return spans;
        var boundaries = new List<int>();
        lock (Gate)
        {
            Iterator.SetText(text);
            for (var boundary = Iterator.First(); boundary != BreakIterator.Done; boundary = Iterator.Next())
                boundaries.Add(boundary);
            Iterator.SetText(""); // drop the reference to the text
        }
        for (var b = 1; b < boundaries.Count; b++)
        {
            var (start, end) = (boundaries[b - 1], boundaries[b]);
            var span = Trim(text, start, end);
            if (span.Length == 0)
                continue;
            if (spans.Count > 0 && Continues(text, spans[^1], span))
                spans[^1] = new SentenceSpan(spans[^1].Start, span.End - spans[^1].Start);
            else
                spans.Add(span);
        }
        return spans;
    }

    /// <summary>Whether ICU's break between <paramref name="previous"/> and <paramref name="next"/> is a false one:
    /// same line, and the previous piece ends with an abbreviation that the next word does not start a sentence
    /// after.</summary>
    static bool Continues(string text, SentenceSpan previous, SentenceSpan next)
    {
        for (var i = previous.End; i < next.Start; i++)
            if (text[i] is '\n' or '\r' or '\u2028' or '\u2029' or '\u0085')
                return false;
        var wordStart = previous.End;
        while (
            wordStart > previous.Start
            && !char.IsWhiteSpace(text[wordStart - 1])
            && text[wordStart - 1] is not ('(' or '"' or '\'' or '“')
        )
            wordStart--;
        var word = text[wordStart..previous.End].ToLowerInvariant();
        if (!Abbreviations.Contains(word))
            return false;
        var first = text[next.Start];
        return char.IsLower(first) || char.IsDigit(first) || BeforeNames.Contains(word);
    }

    static SentenceSpan Trim(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
            start++;
        while (end > start && char.IsWhiteSpace(text[end - 1]))
            end--;
        return new SentenceSpan(start, end - start);
    }
}
