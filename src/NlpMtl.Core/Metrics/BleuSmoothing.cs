namespace NlpMtl.Core.Metrics;

/// <summary>sacreBLEU's <c>smooth_method</c> values that we support.</summary>
public enum BleuSmoothing
{
    /// <summary><c>none</c>: any n-gram order with no match makes BLEU 0.</summary>
    None,

    /// <summary>
    /// <c>exp</c>, sacreBLEU's default (NIST / mteval-v13a, Chen and Cherry's method 3): the k-th order with no match
    /// gets precision 100 / (2^k · total n-grams of that order).
    /// </summary>
    Exponential,
}
