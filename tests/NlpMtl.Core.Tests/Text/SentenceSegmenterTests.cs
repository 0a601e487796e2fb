using NlpMtl.Core.Text;

namespace NlpMtl.Core.Tests.Text;

/// <summary>ICU's sentence rules plus the hand-written repairs for abbreviations, on the cases each side
/// handles.</summary>
public class SentenceSegmenterTests
{
    static List<string> Sentences(string text) => SentenceSegmenter.Split(text).Select(s => s.Of(text)).ToList();

    [Fact]
    public void AbbreviationsDecimalsAndQuotesDoNotEndSentences()
    {
        Assert.Equal(
            [
                "Dr. Smith met Mr. Jones at 3.30 p.m. in the U.S. capital.",
                "They talked, e.g. about the weather.",
                "It cost $4.50 per person.",
                "He said \"Stop.\"",
                "Then he left.",
                "She asked: \"Why?\"",
                "Nobody knew!",
                "Send it to No. 5 Main St. by noon.",
                "We met Prof. Li and Sen. Warren.",
                "The U.S. Army arrived.",
                "Prices rose by 2.5 percent in Jan. last year.",
                "See Fig. 3 for details.",
                "They sell fruit, vegetables, etc.",
                "The market opens at 9.",
            ],
            Sentences(
                "Dr. Smith met Mr. Jones at 3.30 p.m. in the U.S. capital. They talked, e.g. about the weather. "
                    + "It cost $4.50 per person. "
                    + "He said \"Stop.\" Then he left. She asked: \"Why?\" Nobody knew! "
                    + "Send it to No. 5 Main St. by noon. We met Prof. Li and Sen. Warren. The U.S. Army arrived. "
                    + "Prices rose by 2.5 percent in Jan. last year. See Fig. 3 for details. They sell fruit, "
                    + "vegetables, etc. The market opens at 9."
            )
        );
    }

    [Fact]
    public void LineBreaksEndSentencesAndSpansExcludeWhitespace()
    {
        var text = "  A man rides a bike.\n\nA woman walks a dog\nTwo kids play.  \r\n";
        var spans = SentenceSegmenter.Split(text);
        Assert.Equal(["A man rides a bike.", "A woman walks a dog", "Two kids play."], spans.Select(s => s.Of(text)));
        Assert.Equal(2, spans[0].Start);
        Assert.Empty(SentenceSegmenter.Split(" \n\t "));
        Assert.Empty(SentenceSegmenter.Split(""));
        Assert.Equal(["no punctuation at all"], Sentences("no punctuation at all"));
    }

    [Fact]
    public void ConcurrentCallersGetTheSameSentencesAsOneCallerAlone()
    {
        var texts = Enumerable
            .Range(0, 400)
            .Select(i =>
                string.Join(
                    ' ',
                    Enumerable
                        .Range(0, 3 + i % 9)
                        .Select(k => $"Sentence {k} of text {i} cites Dr. Li, e.g. in Fig. {k}.\n")
                )
            )
            .ToList();
        var alone = texts.Select(t => SentenceSegmenter.Split(t)).ToList();
        var together = texts
            .AsParallel()
            .AsOrdered()
            .WithDegreeOfParallelism(8)
            .Select(t => SentenceSegmenter.Split(t))
            .ToList();
        Assert.Equal(alone, together);
        Assert.Equal(3 + 399 % 9, alone[^1].Count);
    }
}
