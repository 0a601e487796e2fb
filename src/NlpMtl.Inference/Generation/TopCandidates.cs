namespace NlpMtl.Inference.Generation;

/// <summary>
/// The m best (score, index) pairs offered, best first; equal scores keep the earlier offer first, so offering in
/// index order breaks ties by the lower index. Insertion into a small sorted array: m is 2 × beams, a handful.
/// </summary>
internal sealed class TopCandidates(int capacity)
{
    readonly float[] scores = new float[capacity];
    readonly int[] indices = new int[capacity];

    public int Count { get; private set; }

    public (float Score, int Index) this[int i] => (scores[i], indices[i]);

    public void Clear() => Count = 0;

    /// <summary>What a score must beat to enter: the worst kept score once full, else −∞.</summary>
    public float Floor => Count == capacity ? scores[Count - 1] : float.NegativeInfinity;

    public void Offer(float score, int index)
    {
        // -inf (banned, or a dead beam) is never a candidate; NaN compares false and is dropped too.
        if (!(score > float.NegativeInfinity))
            return;
        if (Count == capacity && !(score > scores[Count - 1]))
            return;
        var at = Math.Min(Count, capacity - 1);
        while (at > 0 && score > scores[at - 1])
        {
            scores[at] = scores[at - 1];
            indices[at] = indices[at - 1];
            at--;
        }
        scores[at] = score;
        indices[at] = index;
        if (Count < capacity)
            Count++;
    }
}
