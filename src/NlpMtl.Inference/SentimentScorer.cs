namespace NlpMtl.Inference;

/// <summary>Sentiment label and softmax probability from a row of the encoder's sentiment logits.</summary>
internal static class SentimentScorer
{
    public static (string Label, double Score) Score(ReadOnlySpan<float> logits, IReadOnlyList<string> labels)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        var sum = 0.0;
        foreach (var x in logits) sum += Math.Exp(x - logits[best]);
        return (labels[best], 1.0 / sum);
    }
}
