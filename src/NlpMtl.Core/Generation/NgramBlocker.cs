namespace NlpMtl.Core.Generation;

/// <summary>
/// HF's <c>NoRepeatNGramLogitsProcessor</c>: the tokens that would complete an n-gram already present in a sequence.
/// </summary>
public static class NgramBlocker
{
    public static IEnumerable<int> Banned(IReadOnlyList<int> sequence, int n)
    {
        if (n <= 0 || sequence.Count < n)
            yield break;
        var prefixStart = sequence.Count - (n - 1);
        for (var start = 0; start + n <= sequence.Count; start++)
        {
            var matches = true;
            for (var k = 0; k < n - 1 && matches; k++)
                matches = sequence[start + k] == sequence[prefixStart + k];
            if (matches)
                yield return sequence[start + n - 1];
        }
    }
}
