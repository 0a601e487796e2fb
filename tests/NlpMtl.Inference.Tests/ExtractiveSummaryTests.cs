using NlpMtl.Inference.Documents;

namespace NlpMtl.Inference.Tests;

public class ExtractiveSummaryTests
{
    [Fact]
    public void TheClosestSentenceByWordOverlapWinsAndTheEarliestOnATie()
    {
        string[] sentences =
        [
            "We train a model.",
            "We propose adaptive loss scaling for mixed precision training.",
            "Results improve.",
        ];
        Assert.Equal(1, ExtractiveSummary.Closest("adaptive loss scaling for mixed precision", sentences));
        // Case and punctuation do not count (ROUGE-1's tokens).
        Assert.Equal(2, ExtractiveSummary.Closest("RESULTS, improve!", sentences));
        // "we" alone: sentences 0 and 1 both hold it; 0 is shorter, so its F1 is higher.
        Assert.Equal(0, ExtractiveSummary.Closest("we", sentences));
        Assert.Equal(0, ExtractiveSummary.Closest("same", ["same words", "same words"]));
    }

    [Fact]
    public void NoSharedWordOrNoSentenceGivesNull()
    {
        Assert.Null(ExtractiveSummary.Closest("zebra", ["We train a model."]));
        Assert.Null(ExtractiveSummary.Closest("", ["We train a model."]));
        Assert.Null(ExtractiveSummary.Closest("we train", []));
    }

    [Fact]
    public void ASentenceBecomesOneLine() =>
        Assert.Equal("We show that it works.", ExtractiveSummary.AsLine("  We show that\n\n it works. "));

    [Fact]
    public void ARankersProbabilityIsWeighedBesideTheClosenessToTheGeneratedText()
    {
        string[] sentences = ["We train a model on images.", "We propose a loss for images.", "Results improve."];
        // Equal closeness ("images" alone, sentences 0 and 1 of equal length): the ranker decides.
        Assert.Equal(1, ExtractiveSummary.Closest("images", sentences, [0.0, 1.0, -5.0]));
        Assert.Equal(0, ExtractiveSummary.Closest("images", sentences, [1.0, 0.0, -5.0]));
        // A generation that shares no word with the document: the ranker alone picks, where without it none is.
        Assert.Null(ExtractiveSummary.Closest("zebra", sentences));
        Assert.Equal(2, ExtractiveSummary.Closest("zebra", sentences, [0.0, 0.0, 3.0]));
        // A clear closeness lead beats a mild ranker preference.
        Assert.Equal(2, ExtractiveSummary.Closest("results improve", sentences, [0.5, 0.0, 0.0]));
        Assert.Null(ExtractiveSummary.Closest("images", [], []));
        Assert.Throws<ArgumentException>(() => ExtractiveSummary.Closest("images", sentences, [0.0]));
        Assert.Equal(1, SalienceFit.Best([double.NegativeInfinity, 2, 2]));
    }
}
