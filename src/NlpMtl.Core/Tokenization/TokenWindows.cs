namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Windows over a long token sequence: what the sentiment head reads of a document, in training and in serving alike,
/// so the head is trained on the same kind of window it is later asked to judge.
/// </summary>
public static class TokenWindows
{
    /// <summary>
    /// Ranges of at most <paramref name="length"/> of <paramref name="count"/> tokens, consecutive ones sharing
    /// <paramref name="overlap"/> tokens (clamped to half a window), the last one ending at the end.
    /// </summary>
    public static List<Range> Of(int count, int length, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (count <= length)
            return [new Range(0, count)];
        var stride = length - Math.Clamp(overlap, 0, length / 2);
        var windows = new List<Range>();
        for (var start = 0; ; start += stride)
        {
            windows.Add(new Range(start, Math.Min(start + length, count)));
            if (start + length >= count)
                return windows;
        }
    }
}
