using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Tests.Metrics;

public class SacreBleuTests
{
    [Fact]
    public void MatchesSacreBleuOnItsReadmeExample()
    {
        // sacrebleu.corpus_bleu(hyps, [refs1, refs2]) → BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943
        // ratio = 0.944 hyp_len = 17 ref_len = 18)
        string[] hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
        string[] references1 = ["The dog bit the man.", "It was not unexpected.", "The man bit him first."];
        string[] references2 = ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."];

        var bleu = SacreBleu.Corpus(hypotheses, [references1, references2]);

        Assert.Equal(48.53, Math.Round(bleu.Score, 2));
        Assert.Equal([82.4, 50.0, 45.5, 37.5], bleu.Precisions.Select(p => Math.Round(p, 1)));
        Assert.Equal(0.943, Math.Round(bleu.BrevityPenalty, 3));
        Assert.Equal(17, bleu.HypothesisLength);
        Assert.Equal(18, bleu.ReferenceLength);
    }

    [Fact]
    public void PerSentenceReferenceListsAreTransposedIntoStreams()
    {
        string[] hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
        IReadOnlyList<string>[] perSentence =
        [
            ["The dog bit the man.", "The dog had bit the man."],
            ["It was not unexpected.", "No one was surprised."],
            ["The man bit him first.", "The man had bitten the dog."],
        ];
        Assert.Equal(48.53, Math.Round(SacreBleu.CorpusFromReferenceLists(hypotheses, perSentence).Score, 2));

        // A sentence with fewer references leaves a gap, as sacreBLEU's empty reference does.
        IReadOnlyList<string>[] uneven =
        [
            ["The dog bit the man.", "The dog had bit the man."],
            ["It was not unexpected."],
            ["The man bit him first."],
        ];
        Assert.Equal(
            SacreBleu
                .Corpus(
                    hypotheses,
                    [
                        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
                        ["The dog had bit the man.", "", ""],
                    ]
                )
                .Score,
            SacreBleu.CorpusFromReferenceLists(hypotheses, uneven).Score
        );
    }

    [Fact]
    public void IdenticalHypothesesScoreHundred()
    {
        string[] sentences = ["The quick brown fox jumps over the lazy dog.", "A second, longer sentence is here."];

        var bleu = SacreBleu.Corpus(sentences, [sentences]);

        Assert.Equal(100.0, bleu.Score, 10);
        Assert.All(bleu.Precisions, p => Assert.Equal(100.0, p, 10));
        Assert.Equal(1.0, bleu.BrevityPenalty);
    }

    [Fact]
    public void ExponentialSmoothingRescuesOrdersWithoutMatches()
    {
        // hyp: the cat and the dog   ref: the cat or the dog (5 tokens each, BP 1)
        // 1-grams 4/5, 2-grams {the cat, the dog} 2/4, 3-grams 0/3, 4-grams 0/2.
        // exp: p3 = 100 / (2·3), p4 = 100 / (4·2) → BLEU = (80 · 50 · 16.667 · 12.5)^(1/4) = 30.2138
        string[] hypotheses = ["the cat and the dog"];
        string[] references = ["the cat or the dog"];

        var smoothed = SacreBleu.Corpus(hypotheses, [references]);
        Assert.Equal(30.2138, smoothed.Score, 4);
        Assert.Equal([80.0, 50.0, 100.0 / 6, 12.5], smoothed.Precisions);

        var unsmoothed = SacreBleu.Corpus(hypotheses, [references], BleuSmoothing.None);
        Assert.Equal(0.0, unsmoothed.Score);
        Assert.Equal([80.0, 50.0, 0.0, 0.0], unsmoothed.Precisions);
    }

    [Fact]
    public void HypothesesShorterThanFourTokensScoreZeroEvenSmoothed()
    {
        // No 4-grams exist at all, so sacreBLEU stops before smoothing that order.
        var bleu = SacreBleu.Corpus(
            ["the cat sat"],
            [
                ["the cat sat"],
            ]
        );

        Assert.Equal(0.0, bleu.Score);
        Assert.Equal([100.0, 100.0, 100.0, 0.0], bleu.Precisions);
    }

    [Fact]
    public void ClosestReferenceLengthTiesGoToTheShorter()
    {
        // 5 hypothesis tokens; references of 4 and 6 tokens are equally close, so 4 is used and BP stays 1.
        var bleu = SacreBleu.Corpus(
            ["a b c d e"],
            [
                ["a b c d"],
                ["a b c d e f"],
            ]
        );

        Assert.Equal(4, bleu.ReferenceLength);
        Assert.Equal(1.0, bleu.BrevityPenalty);
    }

    [Fact]
    public void ShortHypothesisPaysBrevityPenalty()
    {
        // 4 tokens against 8: BP = exp(1 - 8/4) = e^-1; all precisions 100 → BLEU = 100 / e.
        var bleu = SacreBleu.Corpus(
            ["a b c d"],
            [
                ["a b c d e f g h"],
            ]
        );

        Assert.Equal(Math.Exp(-1), bleu.BrevityPenalty, 12);
        Assert.Equal(100 * Math.Exp(-1), bleu.Score, 10);
    }

    [Fact]
    public void EmptyReferenceIsSkippedAsMissing()
    {
        // Sentence 2 has only one reference; sacreBLEU drops the "" rather than scoring against nothing.
        var bleu = SacreBleu.Corpus(
            ["a b c d", "e f g h"],
            [
                ["a b c d", "e f g h"],
                ["a b c d", ""],
            ]
        );

        Assert.Equal(100.0, bleu.Score, 10);
        Assert.Equal(8, bleu.ReferenceLength);
    }

    [Theory]
    [InlineData("It wasn't surprising.", "It wasn't surprising .")]
    [InlineData("Pay $3,000.50 now.", "Pay $ 3,000.50 now .")]
    [InlineData("&quot;Hi&quot; &amp; bye", "\" Hi \" & bye")]
    [InlineData("&amp;lt;tag&gt;", "< tag >")]
    [InlineData("1990-2000 well-known", "1990 - 2000 well-known")]
    [InlineData("<skipped>hyphen-\nated a\nb", "hyphenated a b")]
    [InlineData("e.g., U.S.", "e . g . , U . S .")]
    [InlineData("a.,b", "a . , b")]
    [InlineData("3.5. 4,x", "3.5 . 4 , x")]
    [InlineData("x=(y+1)/2; ok?", "x = ( y + 1 ) / 2 ; ok ?")]
    [InlineData("  spaced\tout\u001Fword  ", "spaced out word")]
    public void Tokenize13aMatchesMteval(string line, string expected)
    {
        // Expected strings come from sacreBLEU's Tokenizer13a.
        Assert.Equal(expected, SacreBleu.Tokenize13a(line));
    }

    [Fact]
    public void MismatchedReferenceStreamIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SacreBleu.Corpus(
                ["a", "b"],
                [
                    ["a", "b"],
                    ["a"],
                ]
            )
        );

        Assert.Equal("referenceStreams", error.ParamName);
        Assert.Contains("referenceStreams[1] has 1 sentences but hypotheses has 2", error.Message);
    }

    [Fact]
    public void SentenceWithoutAnyReferenceIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SacreBleu.Corpus(
                ["a"],
                [
                    [""],
                ]
            )
        );
        Assert.Contains("Sentence 0", error.Message);
    }
}
