using NlpMtl.Core.Data;

namespace NlpMtl.Core.Tests.Data;

public class LabelSetTests
{
    static IReadOnlyList<string> Labels(params string[] labels) =>
        LabelSet.Labels(labels.Select(label => new SentimentExample("text", label)));

    [Fact]
    public void NumericLabelsSortByValueWithoutDuplicates()
    {
        Assert.Equal(["-1", "0", "1", "2", "10"], Labels("10", "1", "0", "2", "1", "-1", "10"));
    }

    [Fact]
    public void NamedLabelsSortOrdinallyAfterNumbers()
    {
        Assert.Equal(
            ["3", "Neutral", "negative", "positive"],
            Labels("positive", "negative", "Neutral", "3", "positive")
        );
    }
}
