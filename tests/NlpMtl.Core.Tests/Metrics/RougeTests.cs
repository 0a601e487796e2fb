using NlpMtl.Core.Metrics;

namespace NlpMtl.Core.Tests.Metrics;

/// <summary>
/// Expected values are worked out by hand below. With overlap o, candidate count c and reference count r,
/// rouge_score's F1 = 2·(o/c)·(o/r) / (o/c + o/r) = 2o / (c + r).
/// </summary>
public class RougeTests
{
    const int Digits = 12;

    [Fact]
    public void OverlapCountsAndLcsOnOneSentence()
    {
        // cand: the cat sat on the mat (6)   ref: the cat is on the mat (6)
        // unigrams: the×2, cat, on, mat match → o = 5 → 10/12
        // bigrams: cand {the cat, cat sat, sat on, on the, the mat}, ref {the cat, cat is, is on, on the, the mat}
        //          → o = 3 of 5 and 5 → 6/10
        // LCS: the cat on the mat = 5 → 10/12
        var scores = Rouge.Score("The cat sat on the mat.", ["the cat is on the mat"]);

        Assert.Equal(10.0 / 12, scores.Rouge1, Digits);
        Assert.Equal(6.0 / 10, scores.Rouge2, Digits);
        Assert.Equal(10.0 / 12, scores.RougeL, Digits);
    }

    [Fact]
    public void PunctuationAndCaseSplitAndFoldTokens()
    {
        // cand tokens: hello world it s 2024 01 05 (7) — "it's" splits at the apostrophe, the date at dashes
        // ref tokens:  hello world its 2024 01 05 (6)
        // unigrams: hello, world, 2024, 01, 05 → o = 5 → 10/13
        // bigrams (6 and 5): hello world, 2024 01, 01 05 → o = 3 → 6/11
        // LCS: hello world 2024 01 05 = 5 → 10/13
        var scores = Rouge.Score("Hello, WORLD!!! it's 2024-01-05.", ["hello world its 2024 01 05"]);

        Assert.Equal(10.0 / 13, scores.Rouge1, Digits);
        Assert.Equal(6.0 / 11, scores.Rouge2, Digits);
        Assert.Equal(10.0 / 13, scores.RougeL, Digits);
    }

    [Fact]
    public void RepeatedNGramsAreClippedToReferenceCounts()
    {
        // cand: the the the the (4)   ref: the cat the (3)
        // unigrams: the ×4 vs ×2 → o = 2 → 4/7; bigrams: {the the ×3} vs {the cat, cat the} → 0
        // LCS: the the = 2 → 4/7
        var scores = Rouge.Score("the the the the", ["the cat the"]);

        Assert.Equal(4.0 / 7, scores.Rouge1, Digits);
        Assert.Equal(0.0, scores.Rouge2);
        Assert.Equal(4.0 / 7, scores.RougeL, Digits);
    }

    [Fact]
    public void RougeLFollowsOrderWhereRouge1DoesNot()
    {
        // cand: a b c d e   ref: e d c b a — every unigram matches (F1 1), no bigram does, LCS is 1 → 2/10
        var scores = Rouge.Score("a b c d e", ["e d c b a"]);

        Assert.Equal(1.0, scores.Rouge1, Digits);
        Assert.Equal(0.0, scores.Rouge2);
        Assert.Equal(0.2, scores.RougeL, Digits);
    }

    [Fact]
    public void EachMetricTakesItsBestReference()
    {
        // cand: w x y z (4; bigrams wx xy yz)
        // A "z y x w" (4):       R1 o=4 → 8/8 = 1;   R2 0;                       LCS 1 → 2/8
        // B "w x q r" (4):       R1 o=2 → 4/8;       R2 {wx} o=1 of 3,3 → 2/6;   LCS w x = 2 → 4/8
        // C "p w q x r y s z" (8): R1 o=4 → 8/12;    R2 0;                       LCS w x y z = 4 → 8/12
        // Best: ROUGE-1 from A, ROUGE-2 from B, ROUGE-L from C.
        var scores = Rouge.Score("w x y z", ["z y x w", "w x q r", "p w q x r y s z"]);

        Assert.Equal(1.0, scores.Rouge1, Digits);
        Assert.Equal(1.0 / 3, scores.Rouge2, Digits);
        Assert.Equal(2.0 / 3, scores.RougeL, Digits);
    }

    [Theory]
    [InlineData("", "the cat")]
    [InlineData("!!! ...", "the cat")]
    [InlineData("the cat", "")]
    public void EmptyCandidateOrReferenceScoresZero(string candidate, string reference)
    {
        Assert.Equal(new RougeScores(0, 0, 0), Rouge.Score(candidate, [reference]));
    }

    [Fact]
    public void TokenizerKeepsOnlyLowerCaseAsciiLettersAndDigits()
    {
        // Accented letters are not [a-z0-9] after Python's lower(), so they split words: café → caf.
        // Python lower-cases the Kelvin sign to k and İ to i plus a combining dot (a separator).
        Assert.Equal(
            ["caf", "na", "ve", "x2", "k", "i", "stanbul"],
            Rouge.Tokenize("Café naïve X2 \u212A \u0130stanbul")
        );
    }

    [Fact]
    public void CorpusIsMeanOverDocumentsTimesHundred()
    {
        // Documents from the first and fourth tests: R1 (10/12 + 1)/2, R2 (6/10 + 0)/2, RL (10/12 + 0.2)/2.
        var scores = Rouge.Corpus(
            ["The cat sat on the mat.", "a b c d e"],
            [
                ["the cat is on the mat"],
                ["e d c b a"],
            ]
        );

        Assert.Equal((10.0 / 12 + 1) / 2 * 100, scores.Rouge1, 9);
        Assert.Equal(30.0, scores.Rouge2, 9);
        Assert.Equal((10.0 / 12 + 0.2) / 2 * 100, scores.RougeL, 9);
    }

    [Fact]
    public void CorpusWithMismatchedLengthsNamesReferences()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Rouge.Corpus(
                ["a", "b"],
                [
                    ["a"],
                ]
            )
        );
        Assert.Equal("references", error.ParamName);
    }

    [Fact]
    public void NoReferencesIsRejected()
    {
        Assert.Throws<ArgumentException>(() => Rouge.Score("a", []));
    }

    [Theory]
    [InlineData("the cat sat on the mat", "The cat, on a mat!")]
    [InlineData("", "a reference")]
    [InlineData("no overlap here", "entirely different words")]
    public void Rouge1OnTokensIsScoresRouge1(string candidate, string reference) =>
        Assert.Equal(
            Rouge.Score(candidate, [reference]).Rouge1,
            Rouge.Rouge1(Rouge.Tokenize(candidate), Rouge.Tokenize(reference))
        );

    [Fact]
    public void Rouge1AgainstTheRestIsRouge1OnTheOtherPartsJoined()
    {
        string[] sentences = ["The cat sat on the mat.", "The dog sat too.", "", "A cat, a dog and a mat.", "Zebra."];
        var parts = sentences.Select(Rouge.Tokenize).ToList();
        var scores = Rouge.Rouge1AgainstRest(parts);
        for (var i = 0; i < parts.Count; i++)
            Assert.Equal(Rouge.Rouge1(parts[i], [.. parts.Where((_, j) => j != i).SelectMany(p => p)]), scores[i]);
        Assert.Equal([0.0], Rouge.Rouge1AgainstRest([Rouge.Tokenize("alone here")]));
        Assert.Empty(Rouge.Rouge1AgainstRest([]));
    }
}
