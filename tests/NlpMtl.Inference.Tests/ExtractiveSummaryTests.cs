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
}
