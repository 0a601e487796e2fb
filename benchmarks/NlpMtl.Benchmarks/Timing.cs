using System.Diagnostics;

namespace NlpMtl.Benchmarks;

/// <summary>
/// Times variants of one workload in interleaved rounds and keeps each variant's best round: on a shared machine
/// whose speed drifts 2–3× between minutes, interleaving keeps ratios honest and the best round filters out stalls.
/// </summary>
static class Timing
{
    /// <param name="warmUp">Run each variant once untimed first (first runs allocate and plan); callers whose variants
    /// take seconds warm up with a small call of their own instead.</param>
    /// <returns>Seconds per call of each variant (best round).</returns>
    public static double[] Best(int rounds, int callsPerRound, bool warmUp, params Action[] variants)
    {
        var best = Enumerable.Repeat(double.MaxValue, variants.Length).ToArray();
        if (warmUp)
            foreach (var variant in variants)
                variant();
        for (var round = 0; round < rounds; round++)
        for (var v = 0; v < variants.Length; v++)
        {
            var watch = Stopwatch.StartNew();
            for (var call = 0; call < callsPerRound; call++)
                variants[v]();
            best[v] = Math.Min(best[v], watch.Elapsed.TotalSeconds / callsPerRound);
        }
        return best;
    }
}
