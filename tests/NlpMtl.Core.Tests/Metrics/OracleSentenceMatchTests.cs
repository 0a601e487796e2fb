using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Tests.Metrics;

public class OracleSentenceMatchTests
{
    const string Source = "We study sleep. We show that mitochondria regulate the clock. Code is public.";

    static Seq2SeqExample Example(string? oracle) => new(Source, ["a reference"], oracle);

    static TaskPrediction Extracting(int? sentence) => new("d", "summarize") { Extracted = sentence };

    [Fact]
    public void CountsSummariesThatAreAnOracleSentence()
    {
        const string oracle = "We show that mitochondria regulate the clock.";
        var percent = OracleSentenceMatch.Percent(
            [Example(oracle), Example(oracle), Example(oracle), Example(oracle)],
            [Extracting(1), Extracting(0), Extracting(2), Extracting(1)]
        );
        Assert.Equal(50.0, percent);
    }

    [Fact]
    public void SkipsGeneratedSummariesAndExamplesWithoutAnOracle()
    {
        Assert.Null(OracleSentenceMatch.Percent([Example("Code is public.")], [Extracting(null)]));
        Assert.Null(OracleSentenceMatch.Percent([Example(null)], [Extracting(2)]));
        Assert.Equal(
            100.0,
            OracleSentenceMatch.Percent(
                [Example("We study sleep. Code is public."), Example(null)],
                [Extracting(2), Extracting(0)]
            )
        );
    }

    [Fact]
    public void UnpairedListsAreRefused() =>
        Assert.Throws<ArgumentException>(() => OracleSentenceMatch.Percent([Example(null)], []));
}
