namespace NlpMtl.Core.Metrics;

/// <summary>
/// Corpus BLEU exactly as sacreBLEU 2.x's <c>corpus_bleu</c> with its defaults: 13a tokenisation, case kept,
/// n-grams up to 4, <c>exp</c> smoothing, no effective order. Our translation scores are thus comparable with WMT's.
/// </summary>
public static class SacreBleu
{
    const int MaxOrder = 4;

    /// <summary>
    /// <paramref name="referenceStreams"/>[k][i] is the k-th reference of sentence i, as in
    /// <c>sacrebleu.corpus_bleu(hyps, [refs1, refs2])</c>. An empty reference counts as missing (sacreBLEU's way of
    /// giving sentences different numbers of references); a sentence needs at least one.
    /// </summary>
    public static BleuScore Corpus(
        IReadOnlyList<string> hypotheses,
        IReadOnlyList<IReadOnlyList<string>> referenceStreams,
        BleuSmoothing smoothing = BleuSmoothing.Exponential
    )
    {
        CheckArguments(hypotheses, referenceStreams);

        var correct = new long[MaxOrder];
        var total = new long[MaxOrder];
        long hypothesisLength = 0,
            referenceLength = 0;
        for (var i = 0; i < hypotheses.Count; i++)
        {
            var references = new List<string[]>(referenceStreams.Count);
            foreach (var stream in referenceStreams)
            {
                if (!string.IsNullOrEmpty(stream[i]))
                    references.Add(Preprocess(stream[i]));
            }
            if (references.Count == 0)
            {
                throw new ArgumentException(
                    $"Sentence {i} has no non-empty reference in any stream.",
                    nameof(referenceStreams)
                );
            }

            // Each n-gram may match up to its largest count in any one reference.
            var maxReferenceCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var reference in references)
            {
                foreach (var (ngram, count) in NGramCounts(reference))
                {
                    maxReferenceCounts[ngram] = Math.Max(maxReferenceCounts.GetValueOrDefault(ngram), count);
                }
            }

            var hypothesis = Preprocess(hypotheses[i]);
            hypothesisLength += hypothesis.Length;
            referenceLength += ClosestReferenceLength(hypothesis.Length, references);
            foreach (var (ngram, count) in NGramCounts(hypothesis))
            {
                var order = ngram.Count(c => c == ' '); // 0 for unigrams: tokens never contain spaces
                total[order] += count;
                correct[order] += Math.Min(count, maxReferenceCounts.GetValueOrDefault(ngram));
            }
        }
        return Compute(correct, total, hypothesisLength, referenceLength, smoothing);
    }

    /// <summary>sacreBLEU's default tokenizer, mteval-v13a; see <see cref="Tokenizer13a"/>.</summary>
    public static string Tokenize13a(string line) => Tokenizer13a.Tokenize(line);

    /// <summary>sacreBLEU's <c>compute_bleu</c> from the summed statistics, including its early exits.</summary>
    static BleuScore Compute(
        long[] correct,
        long[] total,
        long hypothesisLength,
        long referenceLength,
        BleuSmoothing smoothing
    )
    {
        var brevityPenalty =
            hypothesisLength >= referenceLength ? 1.0
            : hypothesisLength > 0 ? Math.Exp(1 - (double)referenceLength / hypothesisLength)
            : 0.0;
        var precisions = new double[MaxOrder];
        if (correct.All(c => c == 0))
            return new BleuScore(0.0, precisions, brevityPenalty, hypothesisLength, referenceLength);

        var smoothingFactor = 1.0;
        for (var n = 0; n < MaxOrder; n++)
        {
            // No n-grams of this order at all (every hypothesis too short): sacreBLEU stops, leaving this precision
            // and the higher ones 0, so BLEU is 0 even with smoothing.
            if (total[n] == 0)
                break;
            if (correct[n] > 0)
                precisions[n] = 100.0 * correct[n] / total[n];
            else if (smoothing == BleuSmoothing.Exponential)
            {
                smoothingFactor *= 2;
                precisions[n] = 100.0 / (smoothingFactor * total[n]);
            }
        }

        // sacreBLEU's my_log floors log(0) at -9999999999, which drives the score to exactly 0.
        var logSum = 0.0;
        foreach (var p in precisions)
            logSum += p == 0.0 ? -9999999999 : Math.Log(p);
        var score = brevityPenalty * Math.Exp(logSum / MaxOrder);
        return new BleuScore(score, precisions, brevityPenalty, hypothesisLength, referenceLength);
    }

    /// <summary>sacreBLEU's <c>_preprocess_segment</c> without lower-casing: rstrip, tokenise, split into
    /// tokens.</summary>
    static string[] Preprocess(string sentence) =>
        Tokenizer13a.Tokenize(PythonWhitespace.TrimEnd(sentence)).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The reference length nearest the hypothesis length; on a tie, the shorter reference.</summary>
    static int ClosestReferenceLength(int hypothesisLength, List<string[]> references)
    {
        var best = references[0].Length;
        foreach (var reference in references)
        {
            int difference = Math.Abs(hypothesisLength - reference.Length),
                bestDifference = Math.Abs(hypothesisLength - best);
            if (difference < bestDifference || (difference == bestDifference && reference.Length < best))
                best = reference.Length;
        }
        return best;
    }

    /// <summary>Counts of all 1- to 4-grams, each keyed by its tokens joined with single spaces.</summary>
    static Dictionary<string, int> NGramCounts(string[] tokens)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 1; n <= MaxOrder; n++)
        {
            for (var i = 0; i + n <= tokens.Length; i++)
            {
                var key = string.Join(' ', tokens, i, n);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return counts;
    }

    /// <summary>
    /// <see cref="Corpus"/> from each sentence's own list of references (what data readers give): transposed into
    /// sacreBLEU's reference streams, sentences with fewer references leaving gaps.
    /// </summary>
    public static BleuScore CorpusFromReferenceLists(
        IReadOnlyList<string> hypotheses,
        IReadOnlyList<IReadOnlyList<string>> referencesPerSentence
    )
    {
        ArgumentNullException.ThrowIfNull(referencesPerSentence);
        var streams = Enumerable
            .Range(0, referencesPerSentence.Count == 0 ? 0 : referencesPerSentence.Max(r => r.Count))
            .Select(k => (IReadOnlyList<string>)referencesPerSentence.Select(r => k < r.Count ? r[k] : "").ToList())
            .ToList();
        return Corpus(hypotheses, streams);
    }

    static void CheckArguments(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> referenceStreams)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(referenceStreams);
        if (referenceStreams.Count == 0)
            throw new ArgumentException("At least one reference stream is needed.", nameof(referenceStreams));
        for (var k = 0; k < referenceStreams.Count; k++)
        {
            var stream = referenceStreams[k]
                ?? throw new ArgumentNullException(nameof(referenceStreams), $"referenceStreams[{k}] is null.");
            if (stream.Count != hypotheses.Count)
            {
                throw new ArgumentException(
                    $"referenceStreams[{k}] has {stream.Count} sentences but hypotheses has {hypotheses.Count}; "
                        + "each stream needs one reference per hypothesis (use \"\" for a missing one).",
                    nameof(referenceStreams)
                );
            }
        }
        for (var i = 0; i < hypotheses.Count; i++)
        {
            if (hypotheses[i] is null)
                throw new ArgumentNullException(nameof(hypotheses), $"hypotheses[{i}] is null.");
        }
    }
}
