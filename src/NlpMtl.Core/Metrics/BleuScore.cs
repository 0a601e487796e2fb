namespace NlpMtl.Core.Metrics;

/// <summary>
/// sacreBLEU's <c>BLEUScore</c>: <paramref name="Score"/> and the 1- to 4-gram <paramref name="Precisions"/> in 0..100,
/// the brevity penalty, and the token counts of the hypotheses and of the chosen (closest) references.
/// </summary>
public sealed record BleuScore(
    double Score,
    double[] Precisions,
    double BrevityPenalty,
    long HypothesisLength,
    long ReferenceLength
);
