using System.Runtime.InteropServices;
using System.Text;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Counts the base tokens of the training targets and learns their bytes: from the decoded text where that is exact,
/// otherwise from the piece the tokens sit in (a piece's bytes are its tokens' bytes in order).
/// </summary>
internal static class TargetVocabularyBuilder
{
    // Work bound on the cut search for partial-character tokens (decode comparisons per piece); a piece beyond it
    // waits for its neighbours' bytes to be learned elsewhere, or its tokens are not kept.
    const int CutBudget = 4096;

    /// <summary>Kept (base id, bytes), most frequent first, ties by base id so that builds repeat exactly.</summary>
    public static List<(int Id, byte[] Bytes)> KeptTokens(
        TiktokenBase baseEncoding,
        IEnumerable<string> targets,
        int minCount
    )
    {
        var counts = new Dictionary<int, int>();
        var learned = new Dictionary<int, byte[]>();
        var conflicting = new HashSet<int>();
        var pending = new List<(IReadOnlyList<int> Ids, byte[] Bytes)>();
        foreach (var text in targets)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(targets));
            foreach (var piece in baseEncoding.Pieces(text))
            {
                var ids = baseEncoding.EncodePiece(piece);
                foreach (var id in ids)
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, id, out _)++;
                var bytes = Encoding.UTF8.GetBytes(piece);
                if (!Learn(ids, bytes))
                    pending.Add((ids, bytes));
            }
        }
        // A piece whose partial tokens could not be cut uniquely may resolve once one of them was learned elsewhere.
        while (pending.RemoveAll(p => Learn(p.Ids, p.Bytes)) > 0) { }

        return counts
            .Where(c => c.Value >= minCount && !baseEncoding.IsSpecial(c.Key) && !conflicting.Contains(c.Key))
            .Select(c => (c.Key, Count: c.Value, Bytes: Known(c.Key)))
            // One byte already has its fallback id; a token whose bytes stayed unknown is spelt in bytes instead.
            .Where(c => c.Bytes is { Length: >= 2 })
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.Key)
            .Select(c => (c.Key, c.Bytes!))
            .ToList();

        byte[]? Known(int id) => learned.TryGetValue(id, out var b) ? b : baseEncoding.CleanBytes(id);

        // True when the piece is done with: every token's bytes known, learned, or found inconsistent.
        bool Learn(IReadOnlyList<int> ids, byte[] bytes)
        {
            var a = PieceAlignment.Of(ids, bytes, Known);
            var unknown = a.Right - a.Left;
            if (unknown == 0)
                return true;
            var lengths = new int[unknown];
            var cut = new int[unknown];
            var budget = CutBudget;
            var found = Cuts(baseEncoding, ids, a.Left, a.Right, bytes, a.Start, a.End, lengths, cut, 0, ref budget);
            if (found > 1 || budget < 0)
                return false;
            for (int i = 0, start = a.Start; i < unknown; start += cut[i], i++)
            {
                var id = ids[a.Left + i];
                // No cut fits, or pieces disagree on a token's bytes: the alignment is off, so never keep the token.
                if (found == 0)
                    conflicting.Add(id);
                else if (
                    !learned.TryAdd(id, bytes[start..(start + cut[i])])
                    && !learned[id].AsSpan().SequenceEqual(bytes.AsSpan(start, cut[i]))
                )
                    conflicting.Add(id);
            }
            return true;
        }
    }

    /// <summary> Counts (stopping at 2) the ways to cut <c>bytes[start, end)</c> into one part per token of
    /// <c>ids[token, last)</c> such that each part decodes as its token does; the first way found is left in
    /// <paramref name="cut"/>. The true cut always fits, so a unique fit is the truth. Gives up (budget below 0) after
    /// <see cref="CutBudget"/> comparisons. </summary>
    static int Cuts(
        TiktokenBase baseEncoding,
        IReadOnlyList<int> ids,
        int token,
        int last,
        byte[] bytes,
        int start,
        int end,
        int[] lengths,
        int[] cut,
        int found,
        ref int budget
    )
    {
        var index = lengths.Length - (last - token);
        if (token == last)
        {
            if (start != end)
                return found;
            if (found == 0)
                lengths.CopyTo(cut, 0);
            return found + 1;
        }
        for (var length = 1; start + length + (last - token - 1) <= end && found < 2; length++)
        {
            if (--budget < 0)
                return found;
            var part = bytes.AsSpan(start, length);
            var fits = baseEncoding.Compare(ids[token], part);
            // Decoded text only grows as bytes are added, so once longer than the token's, no longer part fits either.
            if (fits > 0)
                break;
            if (fits < 0 || !SameAsEarlier(ids, token, index, lengths, bytes, start, length))
                continue;
            lengths[index] = length;
            found = Cuts(
                baseEncoding,
                ids,
                token + 1,
                last,
                bytes,
                start + length,
                end,
                lengths,
                cut,
                found,
                ref budget
            );
        }
        return found;
    }

    /// <summary>A token repeated within the piece has the same bytes each time.</summary>
    static bool SameAsEarlier(
        IReadOnlyList<int> ids,
        int token,
        int index,
        int[] lengths,
        byte[] bytes,
        int start,
        int length
    )
    {
        var first = token - index;
        var at = start - lengths.Take(index).Sum();
        for (var i = 0; i < index; at += lengths[i], i++)
        {
            if (
                ids[first + i] == ids[token]
                && !bytes.AsSpan(at, lengths[i]).SequenceEqual(bytes.AsSpan(start, length))
            )
                return false;
        }
        return true;
    }
}
