namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Lines up a piece's base tokens with the piece's UTF-8 bytes, walking in from both ends over tokens whose bytes are
/// known and match. Tokens <c>[0, Left)</c> cover bytes <c>[0, Start)</c>, tokens <c>[Right, n)</c> cover
/// <c>[End, length)</c>; the tokens between (partial characters of unknown bytes) cover <c>[Start, End)</c>.
/// </summary>
internal readonly record struct PieceAlignment(int Left, int Start, int Right, int End)
{
    public static PieceAlignment Of(IReadOnlyList<int> ids, ReadOnlySpan<byte> bytes, Func<int, byte[]?> knownBytes)
    {
        int left = 0,
            start = 0;
        while (left < ids.Count && knownBytes(ids[left]) is { } b && bytes[start..].StartsWith(b))
        {
            start += b.Length;
            left++;
        }
        int right = ids.Count,
            end = bytes.Length;
        while (right > left && knownBytes(ids[right - 1]) is { } b && bytes[start..end].EndsWith(b))
        {
            end -= b.Length;
            right--;
        }
        return new PieceAlignment(left, start, right, end);
    }
}
