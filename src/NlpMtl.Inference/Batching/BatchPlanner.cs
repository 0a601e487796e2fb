namespace NlpMtl.Inference.Batching;

/// <summary>
/// Cuts documents into batches by length: sorted shortest first (stable), each batch grows while rows × longest row
/// stays within the token budget and the row limit. Padding is counted, so one long document cannot drag a batch of
/// short ones to its length. A document longer than the budget on its own still gets a batch (of one).
/// </summary>
public static class BatchPlanner
{
    /// <returns>Batches of indices into <paramref name="lengths"/>, each in ascending length.</returns>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ToArray(); // OrderBy is stable
        var batches = new List<int[]>();
        var current = new List<int>();
        foreach (var index in order)
        {
            // Sorted ascending, so the newcomer is the longest row: the padded cost is (rows + 1) × its length.
            if (
                current.Count > 0
                && ((long)(current.Count + 1) * lengths[index] > tokenBudget || current.Count == maxBatchSize)
            )
            {
                batches.Add([.. current]);
                current.Clear();
            }
            current.Add(index);
        }
        if (current.Count > 0)
            batches.Add([.. current]);
        return batches;
    }

    /// <summary>Positions a batch occupies once padded: rows × longest row.</summary>
    public static long PaddedTokens(IEnumerable<int> lengths)
    {
        var (rows, longest) = (0, 0);
        foreach (var length in lengths)
            (rows, longest) = (rows + 1, Math.Max(longest, length));
        return (long)rows * longest;
    }
}
