namespace NlpMtl.Inference.Documents;

/// <summary>
/// Cuts a sentence's WordPiece ids into pieces a head can read whole: at clause punctuation first (<c>, ; :</c> and
/// dashes — clauses packed greedily into pieces up to the limit), then, for a clause still longer than the limit, into
/// windows that end before a word start, so no word is split (a single word longer than the limit is cut hard).
/// </summary>
internal sealed class TokenPieces(bool[] continuation, HashSet<int> clauseEnds)
{
    /// <summary>Builds the id classes from the encoder's WordPiece vocabulary (one token per line, <c>##</c> continues
    /// a word).</summary>
    public static TokenPieces FromVocabulary(IReadOnlyList<string> vocabulary)
    {
        var continuation = vocabulary.Select(t => t.StartsWith("##", StringComparison.Ordinal)).ToArray();
        var clauseEnds = new HashSet<int>();
        for (var id = 0; id < vocabulary.Count; id++)
            if (vocabulary[id] is "," or ";" or ":" or "—" or "–")
                clauseEnds.Add(id);
        return new TokenPieces(continuation, clauseEnds);
    }

    bool StartsWord(int id) => id < 0 || id >= continuation.Length || !continuation[id];

    /// <returns>Consecutive ranges of <paramref name="ids"/> covering it in order, each at most
    /// <paramref name="limit"/> long.</returns>
    public List<Range> Split(IReadOnlyList<int> ids, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (ids.Count <= limit)
            return [new Range(0, ids.Count)];
        var pieces = new List<Range>();
        var (start, end) = (0, 0); // the piece being packed: [start, end)
        foreach (var clause in Clauses(ids))
        {
            var length = clause.End.Value - clause.Start.Value;
            if (clause.End.Value - start <= limit)
            {
                end = clause.End.Value;
                continue;
            }
            if (end > start)
                pieces.Add(new Range(start, end));
            start = clause.Start.Value;
            if (length <= limit)
            {
                end = clause.End.Value;
                continue;
            }
            foreach (var window in Windows(ids, clause.Start.Value, clause.End.Value, limit))
                pieces.Add(window);
            (start, end) = (clause.End.Value, clause.End.Value);
        }
        if (end > start)
            pieces.Add(new Range(start, end));
        return pieces;
    }

    IEnumerable<Range> Clauses(IReadOnlyList<int> ids)
    {
        var start = 0;
        for (var i = 0; i < ids.Count; i++)
            if (clauseEnds.Contains(ids[i]) && i + 1 < ids.Count)
            {
                yield return new Range(start, i + 1);
                start = i + 1;
            }
        yield return new Range(start, ids.Count);
    }

    /// <summary>Windows of about equal length (so no tiny tail piece), each ending before a word start where it
    /// can.</summary>
    IEnumerable<Range> Windows(IReadOnlyList<int> ids, int start, int end, int limit)
    {
        while (end - start > limit)
        {
            var windows = (end - start + limit - 1) / limit;
            var target = start + (end - start + windows - 1) / windows;
            var cut = target;
            while (cut > start + 1 && !StartsWord(ids[cut]))
                cut--; // back to a word start
            if (!StartsWord(ids[cut]) || cut == start)
                // else forward, within the limit
                for (cut = target; cut < start + limit && !StartsWord(ids[cut]); cut++) { }
            yield return new Range(start, cut);
            start = cut;
        }
        if (end > start)
            yield return new Range(start, end);
    }
}
