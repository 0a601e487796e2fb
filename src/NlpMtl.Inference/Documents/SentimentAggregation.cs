namespace NlpMtl.Inference.Documents;

/// <summary>How the sentiment of a document read in several windows is combined into one label and score.</summary>
public enum SentimentAggregation
{
    /// <summary>Mean of the windows' logits, each window weighted by its tokens (a short last window counts less);
    /// label and score from the softmax of that mean.</summary>
    TokenWeightedMeanLogits,

    /// <summary>Mean of the windows' softmax probabilities; label the most probable.</summary>
    MeanProbabilities,

    /// <summary>The first window alone: what reading the first tokens gave (a baseline for measurement). Only that
    /// window is run, and a longer document's line says <c>"truncated": true</c>.</summary>
    FirstWindow,
}

internal static class SentimentAggregator
{
    /// <param name="logits">Each window's logits.</param> <param name="tokens">Each window's tokens (the weights of
    /// <see cref="SentimentAggregation.TokenWeightedMeanLogits"/>).</param>
    public static (string Label, double Score) Aggregate(
        IReadOnlyList<float[]> logits,
        IReadOnlyList<int> tokens,
        IReadOnlyList<string> labels,
        SentimentAggregation rule
    )
    {
        if (logits.Count == 1 || rule == SentimentAggregation.FirstWindow)
            return SentimentScorer.Score(logits[0], labels);
        var combined = new double[labels.Count];
        double total = 0;
        for (var w = 0; w < logits.Count; w++)
        {
            var weight = rule == SentimentAggregation.TokenWeightedMeanLogits ? tokens[w] : 1.0;
            var values =
                rule == SentimentAggregation.TokenWeightedMeanLogits
                    ? logits[w].Select(x => (double)x).ToArray()
                    : SentimentScorer.Softmax(logits[w]);
            for (var k = 0; k < combined.Length; k++)
                combined[k] += weight * values[k];
            total += weight;
        }
        for (var k = 0; k < combined.Length; k++)
            combined[k] /= total;
        if (rule == SentimentAggregation.TokenWeightedMeanLogits)
            return SentimentScorer.Score(combined.Select(x => (float)x).ToArray(), labels);
        var best = 0;
        for (var k = 1; k < combined.Length; k++)
            if (combined[k] > combined[best])
                best = k;
        return (labels[best], combined[best]);
    }
}
