using System.Text;

namespace NlpMtl.Core.Metrics;

/// <summary>
/// ROUGE-1, ROUGE-2 and ROUGE-L (not rougeLsum) F1 as Google's <c>rouge_score</c> package computes them with its
/// defaults, no stemmer: so our numbers sit beside published ones (SciTLDR, most summarisation papers since 2020).
/// </summary>
public static class Rouge
{
    /// <summary>
    /// F1 values in 0..1 of <paramref name="candidate"/> against each reference; with several references each metric
    /// takes its best reference (rouge_score's <c>score_multi</c>, SciTLDR's evaluation), so the three scores may come
    /// from different references.
    /// </summary>
    public static RougeScores Score(string candidate, IReadOnlyList<string> references)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(references);
        if (references.Count == 0)
            throw new ArgumentException("At least one reference is needed.", nameof(references));

        var candidateTokens = Tokenize(candidate);
        double rouge1 = 0,
            rouge2 = 0,
            rougeL = 0;
        foreach (var reference in references)
        {
            ArgumentNullException.ThrowIfNull(reference, nameof(references));
            var referenceTokens = Tokenize(reference);
            rouge1 = Math.Max(rouge1, NGramF1(candidateTokens, referenceTokens, 1));
            rouge2 = Math.Max(rouge2, NGramF1(candidateTokens, referenceTokens, 2));
            rougeL = Math.Max(rougeL, LcsF1(candidateTokens, referenceTokens));
        }
        return new RougeScores(rouge1, rouge2, rougeL);
    }

    /// <summary>The mean of ROUGE-1, 2 and L F1 (0..1) of <paramref name="candidate"/> against its references (each
    /// its best): how close one sentence comes to a summary, the gain a document's best sentence is chosen
    /// by.</summary>
    public static double MeanF1(string candidate, IReadOnlyList<string> references)
    {
        var scores = Score(candidate, references);
        return (scores.Rouge1 + scores.Rouge2 + scores.RougeL) / 3;
    }

    /// <summary>Mean of <see cref="Score"/> over documents, ×100; <c>references[i]</c> are the references of document
    /// i.</summary>
    public static RougeScores Corpus(IReadOnlyList<string> candidates, IReadOnlyList<IReadOnlyList<string>> references)
    {
        MetricArguments.RequirePaired(candidates, references, nameof(candidates), nameof(references));
        double rouge1 = 0,
            rouge2 = 0,
            rougeL = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var scores = Score(candidates[i], references[i]);
            rouge1 += scores.Rouge1;
            rouge2 += scores.Rouge2;
            rougeL += scores.RougeL;
        }
        double n = candidates.Count;
        return new RougeScores(rouge1 / n * 100, rouge2 / n * 100, rougeL / n * 100);
    }

    /// <summary>
    /// rouge_score's tokenizer: Python <c>lower()</c>, every run of characters outside [a-z0-9] becomes a space, split.
    /// Only two non-ASCII characters lower-case into ASCII in Python: the Kelvin sign (to k) and dotted capital I
    /// (to i plus a combining dot, which then splits the word); we reproduce both.
    /// </summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
                folded.Append(c);
            else if (c is >= 'A' and <= 'Z')
                folded.Append((char)(c + ('a' - 'A')));
            else if (c == '\u212A')
                folded.Append('k');
            else if (c == '\u0130')
                folded.Append("i ");
            else
                folded.Append(' ');
        }
        return folded.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>ROUGE-1 F1 (0..1) of two texts already split by <see cref="Tokenize"/>: for callers comparing one
    /// text with many, which tokenize it once and need neither ROUGE-2 nor the LCS.</summary>
    public static double Rouge1(IReadOnlyList<string> candidateTokens, IReadOnlyList<string> referenceTokens)
    {
        ArgumentNullException.ThrowIfNull(candidateTokens);
        ArgumentNullException.ThrowIfNull(referenceTokens);
        return NGramF1(candidateTokens, referenceTokens, 1);
    }

    /// <summary>
    /// ROUGE-1 F1 (0..1) of each part against all the other parts together (a sentence against the rest of its
    /// document), equal to <see cref="Rouge1"/> on the part and the others' tokens joined, but from one count of the
    /// whole: linear in the total tokens where pairing each part with the rest would be quadratic. A lone part scores
    /// 0.
    /// </summary>
    public static IReadOnlyList<double> Rouge1AgainstRest(IReadOnlyList<IReadOnlyList<string>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var whole = NGramCounts([.. parts.SelectMany(p => p)], 1);
        var total = parts.Sum(p => p.Count);
        return
        [
            .. parts.Select(part =>
            {
                var counts = NGramCounts(part, 1);
                var overlap = counts.Sum(c => Math.Min(c.Value, whole[c.Key] - c.Value));
                var precision = (double)overlap / Math.Max(part.Count, 1);
                var recall = (double)overlap / Math.Max(total - part.Count, 1);
                return FMeasure(precision, recall);
            }),
        ];
    }

    /// <summary>Clipped n-gram overlap F1 (rouge_score's <c>_score_ngrams</c>, same arithmetic so the bits
    /// agree).</summary>
    static double NGramF1(IReadOnlyList<string> candidate, IReadOnlyList<string> reference, int n)
    {
        var candidateCounts = NGramCounts(candidate, n);
        var referenceCounts = NGramCounts(reference, n);
        var overlap = 0;
        foreach (var (ngram, count) in referenceCounts)
        {
            overlap += Math.Min(count, candidateCounts.GetValueOrDefault(ngram));
        }
        var precision = (double)overlap / Math.Max(candidateCounts.Values.Sum(), 1);
        var recall = (double)overlap / Math.Max(referenceCounts.Values.Sum(), 1);
        return FMeasure(precision, recall);
    }

    static Dictionary<string, int> NGramCounts(IReadOnlyList<string> tokens, int n)
    {
        // Tokens are [a-z0-9]+, so joining with a space gives each n-gram a unique key.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + n <= tokens.Count; i++)
        {
            var key = string.Join(' ', tokens.Skip(i).Take(n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    /// <summary>LCS-based F1 on the token sequences; 0 if either side has no tokens.</summary>
    static double LcsF1(IReadOnlyList<string> candidate, IReadOnlyList<string> reference)
    {
        if (candidate.Count == 0 || reference.Count == 0)
            return 0.0;
        var lcs = LcsLength(candidate, reference);
        return FMeasure((double)lcs / candidate.Count, (double)lcs / reference.Count);
    }

    /// <summary>Classic dynamic programme, keeping two rows of the table instead of all of it.</summary>
    static int LcsLength(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            for (var j = 1; j <= b.Count; j++)
            {
                current[j] = string.Equals(a[i - 1], b[j - 1], StringComparison.Ordinal)
                    ? previous[j - 1] + 1
                    : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }

    static double FMeasure(double precision, double recall) =>
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}
