namespace NlpMtl.Modeling.Generation;

/// <summary>
/// Forwards to <see cref="Core.Generation.NgramBlocker"/>, which moved to Core so that serving (no TorchSharp) bans
/// exactly the same n-grams; kept so existing callers compile unchanged.
/// </summary>
public static class NgramBlocker
{
    public static IEnumerable<int> Banned(IReadOnlyList<int> sequence, int n) => Core.Generation.NgramBlocker.Banned(sequence, n);
}
