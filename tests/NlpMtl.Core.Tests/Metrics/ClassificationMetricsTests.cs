using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Tests.Metrics;

public class ClassificationMetricsTests
{
    // Three classes, six examples:
    //   gold: pos pos pos neg neg neu
    //   pred: pos pos neg neg pos neu
    // pos: TP 2, FP 1 (5th), FN 1 (3rd) → F1 = 4 / (4 + 1 + 1) = 2/3
    // neg: TP 1, FP 1 (3rd), FN 1 (5th) → F1 = 2 / (2 + 1 + 1) = 1/2
    // neu: TP 1, FP 0, FN 0            → F1 = 1
    // Macro-F1 = (2/3 + 1/2 + 1) / 3 = 13/18; accuracy = 4/6.
    static readonly string[] Gold = ["pos", "pos", "pos", "neg", "neg", "neu"];
    static readonly string[] Predicted = ["pos", "pos", "neg", "neg", "pos", "neu"];

    [Fact]
    public void AccuracyIsFractionOfExactMatches()
    {
        Assert.Equal(4.0 / 6, ClassificationMetrics.Accuracy(Gold, Predicted), 12);
    }

    [Fact]
    public void MacroF1IsMeanOfPerClassF1()
    {
        Assert.Equal(2.0 / 3, ClassificationMetrics.F1(Gold, Predicted, "pos"), 12);
        Assert.Equal(0.5, ClassificationMetrics.F1(Gold, Predicted, "neg"), 12);
        Assert.Equal(1.0, ClassificationMetrics.F1(Gold, Predicted, "neu"), 12);
        Assert.Equal(13.0 / 18, ClassificationMetrics.MacroF1(Gold, Predicted), 12);
    }

    [Fact]
    public void LabelOnlyPredictedCountsAsZeroInMacroF1()
    {
        // gold a a b b, pred a a b c. Labels (sklearn's union) a, b, c:
        // a: TP 2 → 1; b: TP 1, FN 1 → 2/3; c: FP 1 → 0. Mean = (1 + 2/3 + 0) / 3 = 5/9.
        string[] gold = ["a", "a", "b", "b"];
        string[] predicted = ["a", "a", "b", "c"];

        Assert.Equal(5.0 / 9, ClassificationMetrics.MacroF1(gold, predicted), 12);
    }

    [Fact]
    public void ListedLabelAbsentEverywhereCountsAsZero()
    {
        // The perfect predictions score 1 on a and b, but the listed label c never occurs: F1 0, mean 2/3.
        string[] labels = ["a", "b", "c"];

        Assert.Equal(2.0 / 3, ClassificationMetrics.MacroF1(["a", "b"], ["a", "b"], labels), 12);
    }

    [Fact]
    public void PerfectPredictionsScoreOne()
    {
        Assert.Equal(1.0, ClassificationMetrics.Accuracy(Gold, Gold));
        Assert.Equal(1.0, ClassificationMetrics.MacroF1(Gold, Gold));
    }

    [Fact]
    public void MismatchedLengthsNamePredicted()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy(Gold, ["pos"]));
        Assert.Equal("predicted", error.ParamName);
        Assert.Contains("predicted has 1 items but gold has 6", error.Message);

        Assert.Throws<ArgumentException>(() => ClassificationMetrics.MacroF1(Gold, ["pos"]));
    }

    [Fact]
    public void EmptyInputIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([], []));
        Assert.Equal("gold", error.ParamName);
    }
}
