using NlpMtl.Core.Generation;
using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference.Tests.Generation;

/// <summary>Greedy and beam search on hand-made step functions whose answers are worked out by hand.</summary>
public class SearchTests
{
    const int Vocab = 6,
        Bos = 1,
        Eos = 2,
        A = 3,
        B = 4,
        C = 5;
    static readonly SpecialTokens Special = new(Bos, Eos, 0);

    /// <summary>
    /// After BOS: A .5, B .4, EOS .1. After A: A .36, B .34, EOS .3. After B: EOS .9. Anything longer: EOS .98.
    /// Greedy takes A, A, EOS (log p −1.735); beam search finds B, EOS (log p −1.022), better raw and per token.
    /// </summary>
    static float[] GreedyTrap(int document, IReadOnlyList<long> history) =>
        history switch
        {
            [Bos] => FakeStepDecoder.Distribution(Vocab, (A, .5), (B, .4), (Eos, .1)),
            [Bos, A] => FakeStepDecoder.Distribution(Vocab, (A, .36), (B, .34), (Eos, .3)),
            [Bos, B] => FakeStepDecoder.Distribution(Vocab, (Eos, .9), (A, .05), (B, .05)),
            _ => FakeStepDecoder.Distribution(Vocab, (Eos, .98), (A, .01), (B, .01)),
        };

    /// <summary>A second document with a different, longer answer: C, B, C then EOS.</summary>
    static float[] Other(IReadOnlyList<long> history) =>
        history.Count switch
        {
            1 => FakeStepDecoder.Distribution(Vocab, (C, .9), (A, .1)),
            2 => FakeStepDecoder.Distribution(Vocab, (B, .9), (Eos, .1)),
            3 => FakeStepDecoder.Distribution(Vocab, (C, .9), (Eos, .1)),
            _ => FakeStepDecoder.Distribution(Vocab, (Eos, .97), (A, .03)),
        };

    [Fact]
    public void GreedyFollowsTheLocalMaximum()
    {
        var decoder = new FakeStepDecoder(1, Vocab, GreedyTrap);
        Assert.Equal([A, A], GreedySearch.Run(decoder, Special, new GenerationSettings { MaxNewTokens = 10 })[0]);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public void BeamSearchFindsTheBetterSequenceGreedyMisses(double lengthPenalty)
    {
        var decoder = new FakeStepDecoder(1, Vocab, GreedyTrap);
        var result = BeamSearch.Run(
            decoder,
            Special,
            new GenerationSettings
            {
                MaxNewTokens = 10,
                NumBeams = 2,
                LengthPenalty = lengthPenalty,
            }
        );
        Assert.Equal([B], result[0]);
    }

    [Fact]
    public void LengthPenaltyDecidesBetweenShortAndLongHypotheses()
    {
        // After BOS: EOS .4, A .6; after A: EOS 1. Raw: [] scores ln .4 = −0.92 over 1 token, [A] ln .6 = −0.51 over 2.
        // With a strongly negative penalty (prefer short), −0.92 / 1^−2 = −0.92 beats −0.51 · 2² = −2.04.
        float[] Logits(int _, IReadOnlyList<long> h) =>
            h.Count == 1
                ? FakeStepDecoder.Distribution(Vocab, (Eos, .4), (A, .6))
                : FakeStepDecoder.Distribution(Vocab, (Eos, 1));
        var settings = new GenerationSettings { MaxNewTokens = 5, NumBeams = 2 };
        Assert.Equal(
            [A],
            BeamSearch.Run(new FakeStepDecoder(1, Vocab, Logits), Special, settings with { LengthPenalty = 1 })[0]
        );
        Assert.Equal(
            [],
            BeamSearch.Run(new FakeStepDecoder(1, Vocab, Logits), Special, settings with { LengthPenalty = -2 })[0]
        );
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void BatchedDocumentsGetTheirOwnAnswersAndFinishedOnesLeaveTheBatch(int beams)
    {
        float[] Logits(int document, IReadOnlyList<long> history) =>
            document % 2 == 0 ? GreedyTrap(document, history) : Other(history);
        var decoder = new FakeStepDecoder(4, Vocab, Logits);
        var settings = new GenerationSettings { MaxNewTokens = 10, NumBeams = beams };
        var results =
            beams == 1 ? GreedySearch.Run(decoder, Special, settings) : BeamSearch.Run(decoder, Special, settings);
        int[] first = beams == 1 ? [A, A] : [B];
        Assert.Equal([first, [C, B, C], first, [C, B, C]], results);
        Assert.True(
            decoder.RowsPerStep[^1] < decoder.RowsPerStep[0],
            $"rows per step {string.Join(",", decoder.RowsPerStep)}: finished documents should leave"
        );
        // Alone, each document decodes the same as in the batch.
        for (var d = 0; d < 2; d++)
        {
            var single = new FakeStepDecoder(1, Vocab, (_, h) => Logits(d, h));
            var alone =
                beams == 1 ? GreedySearch.Run(single, Special, settings) : BeamSearch.Run(single, Special, settings);
            Assert.Equal(results[d], alone[0]);
        }
    }

    [Fact]
    public void NoRepeatNgramBansCompletionsOfSeenBigrams()
    {
        // Constant preference A > B > C > EOS. With bigrams banned: A A (then A A is seen) B A C A, then A, B, C all
        // complete a seen bigram after A, leaving EOS.
        var decoder = new FakeStepDecoder(1, Vocab, (_, _) => [0, 0, 2, 5, 4, 3]);
        var result = GreedySearch.Run(
            decoder,
            Special,
            new GenerationSettings { MaxNewTokens = 20, NoRepeatNgramSize = 2 }
        );
        Assert.Equal([A, A, B, A, C, A], result[0]);
        var beam = BeamSearch.Run(
            new FakeStepDecoder(1, Vocab, (_, _) => [0, 0, 2, 5, 4, 3]),
            Special,
            new GenerationSettings
            {
                MaxNewTokens = 20,
                NoRepeatNgramSize = 2,
                NumBeams = 2,
            }
        );
        Assert.DoesNotContain(
            Enumerable.Range(0, beam[0].Length - 1).Select(i => (beam[0][i], beam[0][i + 1])).GroupBy(p => p),
            g => g.Count() > 1
        );
    }

    [Fact]
    public void MaxNewTokensStopsAnOutputThatNeverEnds()
    {
        var decoder = new FakeStepDecoder(2, Vocab, (_, _) => FakeStepDecoder.Distribution(Vocab, (A, .9), (Eos, .1)));
        var settings = new GenerationSettings { MaxNewTokens = 7 };
        Assert.All(GreedySearch.Run(decoder, Special, settings), o => Assert.Equal(Enumerable.Repeat(A, 7), o));
        Assert.Equal(7, decoder.RowsPerStep.Count);
        Assert.All(
            BeamSearch.Run(
                new FakeStepDecoder(2, Vocab, (_, _) => FakeStepDecoder.Distribution(Vocab, (A, .9), (Eos, .1))),
                Special,
                settings with
                {
                    NumBeams = 2,
                }
            ),
            o => Assert.True(o.Length <= 7)
        );
    }

    [Fact]
    public void CancellationStopsBetweenSteps()
    {
        using var cancel = new CancellationTokenSource();
        var decoder = new FakeStepDecoder(1, Vocab, (_, h) =>
        {
            if (h.Count == 3)
                cancel.Cancel();
            return FakeStepDecoder.Distribution(Vocab, (A, .9), (Eos, .1));
        });
        Assert.Throws<OperationCanceledException>(() =>
            GreedySearch.Run(decoder, Special, new GenerationSettings { MaxNewTokens = 50 }, cancel.Token)
        );
        Assert.Equal(3, decoder.RowsPerStep.Count);
    }
}
