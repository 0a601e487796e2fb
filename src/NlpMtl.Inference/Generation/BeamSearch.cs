using System.Numerics;

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
    /// <returns>One id sequence per row the decoder starts with (each row is one document, expanded here to K beams).</returns>
    public static int[][] Run(IStepDecoder decoder, SpecialTokens special, GenerationSettings settings, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        int batch = decoder.Rows, beams = settings.NumBeams, vocab = decoder.VocabSize;
        decoder.Select(Enumerable.Range(0, batch * beams).Select(i => i / beams).ToArray()); // (B) → (B·K) rows
        var sequences = Enumerable.Range(0, batch * beams).Select(_ => new List<int>()).ToArray();
        // Only the first beam of each document is live at the start, so the K beams do not start as K copies.
        var scores = Enumerable.Range(0, batch * beams).Select(i => i % beams == 0 ? 0.0 : double.NegativeInfinity).ToArray();
        var finished = Enumerable.Range(0, batch).Select(_ => new List<(double Score, int[] Ids)>()).ToArray();
        var done = new bool[batch];
        var active = Enumerable.Range(0, batch).ToList(); // documents in the decoder, K rows each, in this order
        var next = Enumerable.Repeat((long)special.Bos, batch * beams).ToArray();
        var tops = Enumerable.Range(0, batch).Select(_ => new TopCandidates(2 * beams)).ToArray(); // one per active slot

        for (var step = 0; step < settings.MaxNewTokens && active.Count > 0; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = decoder.Step(next);
            // Each document's 2K best continuations, documents in parallel (ORT's threads are idle meanwhile); the
            // span lives until the next Step, and every worker is done before this call returns.
            unsafe
            {
                fixed (float* pointer = logits)
                {
                    var (address, length, current) = ((nint)pointer, logits.Length, active);
                    Parallel.For(0, current.Count, a => Candidates(new ReadOnlySpan<float>((float*)address, length).Slice(a * beams * vocab, beams * vocab),
                        current[a], tops[a], scores, sequences, beams, settings.NoRepeatNgramSize));
                }
            }
            var stillActive = new List<int>(active.Count);
            var rows = new List<int>(active.Count * beams);
            var tokens = new List<long>(active.Count * beams);
            for (var a = 0; a < active.Count; a++)
            {
                var b = active[a];
                var top = tops[a];
                var kept = 0;
                var newSequences = new List<int>[beams];
                var newScores = new double[beams];
                for (var c = 0; c < top.Count && kept < beams; c++)
                {
                    var (candidateScore, flat) = top[c];
                    int beam = flat / vocab, token = flat % vocab;
                    var source = sequences[b * beams + beam];
                    if (token == special.Eos)
                    {
                        if (c < beams) finished[b].Add((Normalise(candidateScore, source.Count + 1, settings), [.. source]));
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
                for (var k = 0; k < beams; k++) (sequences[b * beams + k], scores[b * beams + k]) = (newSequences[k], newScores[k]);
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
            if (active.Count > 0 && step + 1 < settings.MaxNewTokens) decoder.Select(rows.ToArray());
            next = tokens.ToArray();
        }

        var results = new int[batch][];
        for (var b = 0; b < batch; b++)
        {
            if (!done[b]) // ran out of length: the live beams compete with the finished ones
                for (var k = 0; k < beams; k++)
                    if (!double.IsNegativeInfinity(scores[b * beams + k]))
                        finished[b].Add((Normalise(scores[b * beams + k], sequences[b * beams + k].Count, settings), [.. sequences[b * beams + k]]));
            results[b] = finished[b].Count == 0 ? [] : finished[b].MaxBy(h => h.Score).Ids;
        }
        return results;
    }

    /// <summary>
    /// Document <paramref name="document"/>'s 2K best (beam, token) continuations into <paramref name="top"/>, from its
    /// K rows of <paramref name="logits"/>: log_softmax of each row plus the beam's score, n-gram bans excluded.
    /// </summary>
    internal static void Candidates(ReadOnlySpan<float> logits, int document, TopCandidates top, double[] scores, List<int>[] sequences, int beams, int noRepeatNgramSize)
    {
        var vocab = logits.Length / beams;
        top.Clear();
        for (var k = 0; k < beams; k++)
        {
            var score = scores[document * beams + k];
            if (double.IsNegativeInfinity(score)) continue; // every continuation is -inf: never a candidate
            var row = logits.Slice(k * vocab, vocab);
            var shift = LogSoftmaxShift(row); // log_softmax(x)[v] = x[v] − shift, as torch computes it
            var banned = GreedySearch.Banned(sequences[document * beams + k], noRepeatNgramSize);
            var rowScore = (float)score; // the reference adds float scores to float log-probabilities
            // Most of a 30k vocabulary cannot enter the 2K best: a vector comparison skips it 16 logits at a time,
            // with a margin for rounding, so the exact test in Offer still decides every close call.
            var floor = top.Floor - rowScore - 1e-3f;
            var width = Vector<float>.Count;
            var end = vocab - vocab % width;
            for (var start = 0; start < vocab; start += width)
            {
                var stop = Math.Min(start + width, vocab);
                if (start < end && !Vector.GreaterThanAny(new Vector<float>(row[start..]), new Vector<float>(floor + shift - 1e-3f))) continue;
                for (var v = start; v < stop; v++)
                {
                    var logProbability = row[v] - shift;
                    if (!(logProbability > floor) || (banned?.Contains(v) ?? false)) continue;
                    top.Offer(logProbability + rowScore, k * vocab + v);
                    floor = top.Floor - rowScore - 1e-3f;
                }
            }
        }
    }

    internal static double Normalise(double logProbability, int length, GenerationSettings settings) =>
        logProbability / Math.Pow(Math.Max(length, 1), settings.LengthPenalty);

    /// <summary>HF's rule (early_stopping=False): done once K hypotheses are finished and no live beam can beat the worst.</summary>
    static bool IsDone(List<(double Score, int[] Ids)> finished, double[] live, int length, int beams, GenerationSettings settings)
    {
        if (finished.Count < beams) return false;
        return Normalise(live.Max(), length, settings) <= finished.OrderByDescending(h => h.Score).Take(beams).Min(h => h.Score);
    }

    /// <summary>
    /// max + log Σ exp(x − max) in float, so that log_softmax(x) = x − this exactly as torch computes it; vectorised,
    /// since it runs over the whole vocabulary for every beam at every step.
    /// </summary>
    static float LogSoftmaxShift(ReadOnlySpan<float> logits)
    {
        var width = Vector<float>.Count;
        var end = logits.Length - logits.Length % width;
        var maxes = new Vector<float>(float.NegativeInfinity);
        for (var v = 0; v < end; v += width) maxes = Vector.Max(maxes, new Vector<float>(logits[v..]));
        var max = float.NegativeInfinity;
        for (var i = 0; i < width; i++) max = Math.Max(max, maxes[i]);
        for (var v = end; v < logits.Length; v++) max = Math.Max(max, logits[v]);

        var sums = Vector<float>.Zero;
        var shiftBy = new Vector<float>(max);
        for (var v = 0; v < end; v += width) sums += Vector.Exp(new Vector<float>(logits[v..]) - shiftBy);
        var sum = (double)Vector.Sum(sums);
        for (var v = end; v < logits.Length; v++) sum += MathF.Exp(logits[v] - max);
        return max + (float)Math.Log(sum);
    }
}
