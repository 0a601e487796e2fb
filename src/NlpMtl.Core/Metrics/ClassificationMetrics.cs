namespace NlpMtl.Core.Metrics;

/// <summary>
/// Accuracy and macro-F1 over string labels, matching scikit-learn's <c>accuracy_score</c> and
/// <c>f1_score(average="macro")</c> with its default <c>zero_division</c> (an undefined F1 counts as 0).
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of positions where <paramref name="predicted"/> equals <paramref name="gold"/> (ordinal),
    /// 0..1.</summary>
    public static double Accuracy(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        MetricArguments.RequirePaired(gold, predicted, nameof(gold), nameof(predicted));
        var correct = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            if (string.Equals(gold[i], predicted[i], StringComparison.Ordinal))
                correct++;
        }
        return (double)correct / gold.Count;
    }

    /// <summary>
    /// Unweighted mean of per-label F1, 0..1, over the sorted union of labels in <paramref name="gold"/> and
    /// <paramref name="predicted"/> — sklearn's label set when <c>labels=None</c>. A label that is only ever predicted
    /// has recall 0 and F1 0, and so lowers the mean: spurious labels are penalised, as in sklearn.
    /// </summary>
    public static double MacroF1(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        MetricArguments.RequirePaired(gold, predicted, nameof(gold), nameof(predicted));
        var labels = gold.Concat(predicted).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return MacroF1(gold, predicted, labels);
    }

    /// <summary>
    /// Macro-F1 over a fixed label set (sklearn's <c>labels=</c>), e.g. all classes of a task. A listed label absent
    /// from both gold and predictions has F1 0 (sklearn's zero_division=0) and still counts in the mean; labels not
    /// listed are ignored except that they are wrong predictions for the listed gold labels.
    /// </summary>
    public static double MacroF1(
        IReadOnlyList<string> gold,
        IReadOnlyList<string> predicted,
        IReadOnlyList<string> labels
    )
    {
        MetricArguments.RequirePaired(gold, predicted, nameof(gold), nameof(predicted));
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
            throw new ArgumentException("At least one label is needed.", nameof(labels));
        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
        {
            throw new ArgumentException("Labels must be distinct.", nameof(labels));
        }

        var sum = 0.0;
        foreach (var label in labels)
            sum += F1(gold, predicted, label);
        return sum / labels.Count;
    }

    /// <summary>One-vs-rest F1 of <paramref name="label"/>: 2·TP / (2·TP + FP + FN), 0 when that is 0/0.</summary>
    public static double F1(IReadOnlyList<string> gold, IReadOnlyList<string> predicted, string label)
    {
        MetricArguments.RequirePaired(gold, predicted, nameof(gold), nameof(predicted));
        int truePositives = 0,
            falsePositives = 0,
            falseNegatives = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            var isGold = string.Equals(gold[i], label, StringComparison.Ordinal);
            var isPredicted = string.Equals(predicted[i], label, StringComparison.Ordinal);
            if (isGold && isPredicted)
                truePositives++;
            else if (isPredicted)
                falsePositives++;
            else if (isGold)
                falseNegatives++;
        }
        var denominator = 2 * truePositives + falsePositives + falseNegatives;
        return denominator == 0 ? 0.0 : 2.0 * truePositives / denominator;
    }
}
