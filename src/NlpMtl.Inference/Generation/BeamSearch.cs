using System.Numerics;
using NlpMtl.Core.Generation;

namespace NlpMtl.Inference.Generation;

/// <summary>
/// Beam search ported from the TorchSharp reference (Modeling's Seq2SeqGenerator), which follows HF's
/// <c>BeamSearchScorer</c> with early_stopping=False: per document, the 2K best (beam, token) continuations of summed
/// log-probabilities; an EOS among the first K closes a hypothesis scored logP / length^LengthPenalty; the K best
/// others live on. A document is done once K hypotheses are closed and no live beam can beat the worst of them;
/// done documents leave the decoder's rows. Output ids exclude BOS and EOS.
/// </summary>
public static class BeamSearch
{
    /// <returns>One id sequence per row the decoder starts with (each row is one document, expanded here to K
    /// beams).</returns>
    public static int[][] Run(
        IStepDecoder decoder,
        SpecialTokens special,
        GenerationSettings settings,
        CancellationToken cancellationToken = default
    )
    {
        settings.Validate();
        int batch = decoder.Rows,
            beams = settings.NumBeams,
            vocab = decoder.VocabSize;
        decoder.Select(Enumerable.Range(0, batch * beams).Select(i => i / beams).ToArray()); // (B) → (B·K) rows
        var sequences = Enumerable.Range(0, batch * beams).Select(_ => new List<int>()).ToArray();
        // Only the first beam of each document is live at the start, so the K beams do not start as K copies.
        var scores = Enumerable
            .Range(0, batch * beams)
            .Select(i => i % beams == 0 ? 0.0 : double.NegativeInfinity)
            .ToArray();
        var finished = Enumerable.Range(0, batch).Select(_ => new List<(double Score, int[] Ids)>()).ToArray();
        var done = new bool[batch];
        var active = Enumerable.Range(0, batch).ToList(); // documents in the decoder, K rows each, in this order
        var next = Enumerable.Repeat((long)special.Bos, batch * beams).ToArray();
        var logProbs = new float[vocab];
        var top = new TopCandidates(2 * beams);

        for (var step = 0; step < settings.MaxNewTokens && active.Count > 0; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = decoder.Step(next);
            var stillActive = new List<int>(active.Count);
            var rows = new List<int>(active.Count * beams);
            var tokens = new List<long>(active.Count * beams);
            for (var a = 0; a < active.Count; a++)
            {
                var b = active[a];
                top.Clear();
                for (var k = 0; k < beams; k++)
                {
                    var score = scores[b * beams + k];
                    if (double.IsNegativeInfinity(score))
                        continue; // every continuation is -inf: never a candidate
                    LogSoftmax(logits.Slice((a * beams + k) * vocab, vocab), logProbs);
                    if (GreedySearch.Banned(sequences[b * beams + k], settings.NoRepeatNgramSize) is { } banned)
                        foreach (var token in banned)
                            logProbs[token] = float.NegativeInfinity;
                    var rowScore = (float)score; // the reference adds float scores to float log-probabilities
                    // Most of a 30k vocabulary cannot enter the 2K best: a plain comparison skips it (with a margin
                    // for rounding, so the exact test in Offer still decides every close call).
                    var floor = top.Floor - rowScore - 1e-3f;
                    for (var v = 0; v < vocab; v++)
                    {
                        if (!(logProbs[v] > floor))
                            continue;
                        top.Offer(logProbs[v] + rowScore, k * vocab + v);
                        floor = top.Floor - rowScore - 1e-3f;
                    }
                }

                var kept = 0;
                var newSequences = new List<int>[beams];
                var newScores = new double[beams];
                for (var c = 0; c < top.Count && kept < beams; c++)
                {
                    var (candidateScore, flat) = top[c];
                    int beam = flat / vocab,
                        token = flat % vocab;
                    var source = sequences[b * beams + beam];
                    if (token == special.Eos)
                    {
                        if (c < beams)
                            finished[b].Add((Normalise(candidateScore, source.Count + 1, settings), [.. source]));
                        continue;
                    }
                    newSequences[kept] = [.. source, token];
                    newScores[kept] = candidateScore;
                    rows.Add(a * beams + beam);
                    tokens.Add(token);
                    kept++;
                }
                for (; kept < beams; kept++)
                {
                    (newSequences[kept], newScores[kept]) = ([], double.NegativeInfinity);
                    rows.Add(a * beams);
                    tokens.Add(special.Pad);
                }
                for (var k = 0; k < beams; k++)
                    (sequences[b * beams + k], scores[b * beams + k]) = (newSequences[k], newScores[k]);
                done[b] = IsDone(finished[b], newScores, step + 2, beams, settings);
                if (!done[b])
                {
                    stillActive.Add(b);
                    continue;
                }
                rows.RemoveRange(rows.Count - beams, beams); // a done document leaves the decoder
                tokens.RemoveRange(tokens.Count - beams, beams);
            }
            active = stillActive;
            if (active.Count > 0 && step + 1 < settings.MaxNewTokens)
                decoder.Select(rows.ToArray());
            next = tokens.ToArray();
        }

        var results = new int[batch][];
        for (var b = 0; b < batch; b++)
        {
            if (!done[b]) // ran out of length: the live beams compete with the finished ones
                for (var k = 0; k < beams; k++)
                    if (!double.IsNegativeInfinity(scores[b * beams + k]))
                        finished[b]
                            .Add(
                                (
                                    Normalise(scores[b * beams + k], sequences[b * beams + k].Count, settings),
                                    [.. sequences[b * beams + k]]
                                )
                            );
            results[b] = finished[b].Count == 0 ? [] : finished[b].MaxBy(h => h.Score).Ids;
        }
        return results;
    }

    internal static double Normalise(double logProbability, int length, GenerationSettings settings) =>
        logProbability / Math.Pow(Math.Max(length, 1), settings.LengthPenalty);

    /// <summary>HF's rule (early_stopping=False): done once K hypotheses are finished and no live beam can beat the
    /// worst.</summary>
    static bool IsDone(
        List<(double Score, int[] Ids)> finished,
        double[] live,
        int length,
        int beams,
        GenerationSettings settings
    )
    {
        if (finished.Count < beams)
            return false;
        return Normalise(live.Max(), length, settings)
            <= finished.OrderByDescending(h => h.Score).Take(beams).Min(h => h.Score);
    }

    /// <summary>log_softmax in float, as torch computes it: x − max − log Σ exp(x − max); vectorised, since it runs
    /// over the whole vocabulary for every beam at every step.</summary>
    internal static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> result)
    {
        var width = Vector<float>.Count;
        var end = logits.Length - logits.Length % width;
        var maxes = new Vector<float>(float.NegativeInfinity);
        for (var v = 0; v < end; v += width)
            maxes = Vector.Max(maxes, new Vector<float>(logits[v..]));
        var max = float.NegativeInfinity;
        for (var i = 0; i < width; i++)
            max = Math.Max(max, maxes[i]);
        for (var v = end; v < logits.Length; v++)
            max = Math.Max(max, logits[v]);

        var sums = Vector<float>.Zero;
        var shiftBy = new Vector<float>(max);
        for (var v = 0; v < end; v += width)
            sums += Vector.Exp(new Vector<float>(logits[v..]) - shiftBy);
        var sum = (double)Vector.Sum(sums);
        for (var v = end; v < logits.Length; v++)
            sum += MathF.Exp(logits[v] - max);
        var shift = max + (float)Math.Log(sum);
        for (var v = 0; v < logits.Length; v++)
            result[v] = logits[v] - shift;
    }
}
