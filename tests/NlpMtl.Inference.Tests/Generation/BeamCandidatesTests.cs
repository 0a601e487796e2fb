using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference.Tests.Generation;

/// <summary>
/// Beam search's candidate scan skips most of the vocabulary with vector comparisons: it must still find exactly the
/// 2K best (beam, token) continuations a full log_softmax over every row would, with banned n-grams left out.
/// </summary>
public class BeamCandidatesTests
{
    [Theory]
    [InlineData(1, 3)]      // shorter than one vector: the scalar path only
    [InlineData(3, 1000)]   // not a multiple of the vector width: a scalar tail
    [InlineData(4, 30522)]  // the encoder vocabulary
    public void TheScanFindsTheSameCandidatesAsAFullLogSoftmax(int beams, int vocab)
    {
        var random = new Random(vocab + beams);
        var logits = Enumerable.Range(0, beams * vocab).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var scores = Enumerable.Range(0, beams).Select(k => k == 1 ? double.NegativeInfinity : -random.NextDouble() * 3).ToArray(); // beam 1 is dead
        // Beam 0 has written 5 7 5: with no-repeat bigrams, 7 is banned next. Make 7 its best token by far.
        var sequences = Enumerable.Range(0, beams).Select(k => k == 0 ? new List<int> { 5, 7, 5 } : new List<int> { 1 }).ToArray();
        if (vocab > 7) logits[7] = 50;
        var top = new TopCandidates(2 * beams);

        BeamSearch.Candidates(logits, document: 0, top, scores, sequences, beams, noRepeatNgramSize: 2);

        var expected = new List<(double Score, int Index)>();
        for (var k = 0; k < beams; k++)
        {
            if (double.IsNegativeInfinity(scores[k])) continue;
            var row = logits.AsSpan(k * vocab, vocab).ToArray();
            var max = row.Max();
            var shift = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
            for (var v = 0; v < vocab; v++)
                if (!(k == 0 && v == 7)) expected.Add((row[v] - shift + scores[k], k * vocab + v));
        }
        var best = expected.OrderByDescending(c => c.Score).Take(2 * beams).ToList();
        Assert.Equal(best.Count, top.Count);
        for (var c = 0; c < top.Count; c++)
        {
            Assert.Equal(best[c].Index, top[c].Index);
            Assert.Equal(best[c].Score, top[c].Score, 4);
        }
    }
}
