using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference;

/// <summary>Sentiment label and softmax probability from a row of the encoder's sentiment logits.</summary>
internal static class SentimentScorer
{
    public static (string Label, double Score) Score(ReadOnlySpan<float> logits, IReadOnlyList<string> labels)
    {
        var best = GreedySearch.ArgMax(logits, banned: null);
        return (labels[best], Softmax(logits)[best]);
    }

    /// <summary>Softmax of one row, shifted by its maximum so no exponential overflows.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var x in logits)
            max = Math.Max(max, x);
        var probabilities = new double[logits.Length];
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
            sum += probabilities[i] = Math.Exp(logits[i] - max);
        for (var i = 0; i < probabilities.Length; i++)
            probabilities[i] /= sum;
        return probabilities;
    }
}
