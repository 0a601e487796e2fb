using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Tests.Metrics;

public class SourceSupportTests
{
    [Fact]
    public void CopiedSummaryIsFullySupportedAndInventedWordsAreNot()
    {
        const string source = "We propose a sparse attention method. It halves memory on long documents.";

        var copied = SourceSupport.Corpus(["We propose a sparse attention method."], [source]);
        // 6 words, only "we propose" in the source; of 5 bigrams every one but "we propose" is new.
        var invented = SourceSupport.Corpus(["We propose cures for all diseases."], [source]);

        Assert.Equal((100.0, 0.0), copied);
        Assert.Equal(100.0 * 2 / 6, invented.WordsInSource, 6);
        Assert.Equal(80.0, invented.NovelBigrams, 6);
    }

    [Fact]
    public void SharesArePooledOverWordsNotAveragedOverSummaries()
    {
        // 1 of 1 words and 0 of 3 words supported: 1 of 4 words, not the mean of 100 % and 0 %.
        var (words, _) = SourceSupport.Corpus(["memory", "cats eat fish"], ["memory use", "dogs"]);

        Assert.Equal(25.0, words, 6);
    }

    [Fact]
    public void CaseAndPunctuationAreIgnoredAsRougeReadsThem()
    {
        Assert.Equal((100.0, 0.0), SourceSupport.Corpus(["SPARSE, attention!"], ["sparse attention"]));
    }

    [Fact]
    public void MismatchedListsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => SourceSupport.Corpus(["a"], []));
    }
}
