using NlpMtl.Core.Generation;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Generation;

/// <summary>
/// Greedy and beam-search generation with a task decoder of a <see cref="MultiTaskModel"/>. The encoder runs once;
/// the decoder steps one token at a time with a key/value cache (cross-attention keys/values computed once).
/// Output ids exclude BOS and EOS.
/// </summary>
public static class Seq2SeqGenerator
{
    /// <param name="inputIds">(B, S) encoder input.</param>
    /// <param name="attentionMask">(B, S).</param>
    public static IReadOnlyList<int[]> Generate(
        MultiTaskModel model,
        string task,
        Tensor inputIds,
        Tensor attentionMask,
        GenerationSettings options
    )
    {
        options.Validate();
        var head = model.Config.Decoder(task);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = model.Encode(inputIds, attentionMask, zeros_like(inputIds));
        var mask = BertModel.AdditiveMask(attentionMask, hidden.device);
        return options.NumBeams == 1
            ? Greedy(model.Decoder(task), head, hidden, mask, inputIds, options)
            : Beam(model.Decoder(task), head, hidden, mask, inputIds, options);
    }

    static IReadOnlyList<int[]> Greedy(
        BertDecoder decoder,
        DecoderHeadConfig head,
        Tensor hidden,
        Tensor mask,
        Tensor sourceIds,
        GenerationSettings options
    )
    {
        var batch = (int)hidden.shape[0];
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var next = full(batch, 1, head.BosId, dtype: ScalarType.Int64);
        using var cache = decoder.NewCache();
        for (var step = 0; step < options.MaxNewTokens && finished.Contains(false); step++)
        {
            using var stepScope = NewDisposeScope();
            var logits = decoder.Step(next, hidden, mask, cache, sourceIds).select(1, -1); // (B, V)
            BanRepeats(logits, outputs, options.NoRepeatNgramSize);
            var chosen = logits.argmax(-1).data<long>().ToArray();
            for (var b = 0; b < batch; b++)
            {
                if (finished[b])
                    continue;
                if (chosen[b] == head.EosId)
                    finished[b] = true;
                else
                    outputs[b].Add((int)chosen[b]);
            }
            next = tensor(chosen.Select((c, b) => finished[b] ? head.PadId : c).ToArray(), [batch, 1])
                .MoveToOuterDisposeScope();
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    static IReadOnlyList<int[]> Beam(
        BertDecoder decoder,
        DecoderHeadConfig head,
        Tensor hidden,
        Tensor mask,
        Tensor sourceIds,
        GenerationSettings options
    )
    {
        int batch = (int)hidden.shape[0],
            beams = options.NumBeams;
        var expandedHidden = hidden.repeat_interleave(beams, 0); // (B·K, S, H)
        var expandedMask = mask.repeat_interleave(beams, 0); // (B·K, 1, 1, S)
        var expandedIds = sourceIds.repeat_interleave(beams, 0); // (B·K, S): a beam stays within its document's rows
        var sequences = Enumerable.Range(0, batch * beams).Select(_ => new List<int>()).ToList();
        // Only the first beam of each item is live at the start, so the K beams do not start as K copies.
        var scores = Enumerable
            .Range(0, batch * beams)
            .Select(i => i % beams == 0 ? 0.0 : double.NegativeInfinity)
            .ToArray();
        var finished = Enumerable.Range(0, batch).Select(_ => new List<(double Score, int[] Ids)>()).ToArray();
        var done = new bool[batch];
        var next = full(batch * beams, 1, head.BosId, dtype: ScalarType.Int64);
        using var cache = decoder.NewCache();

        for (var step = 0; step < options.MaxNewTokens && done.Contains(false); step++)
        {
            using var stepScope = NewDisposeScope();
            var logProbs = decoder
                .Step(next, expandedHidden, expandedMask, cache, expandedIds)
                .select(1, -1)
                .log_softmax(-1); // (B·K, V)
            BanRepeats(logProbs, sequences, options.NoRepeatNgramSize);
            var vocab = logProbs.shape[1];
            var total = logProbs + tensor(scores.Select(s => (float)s).ToArray()).unsqueeze(1); // (B·K, V)
            var (topScores, topIndices) = total.view(batch, beams * vocab).topk(2 * beams, dim: 1); // (B, 2K)
            var candidateScores = topScores.data<float>().ToArray();
            var candidateIndices = topIndices.data<long>().ToArray();

            var sources = new long[batch * beams];
            var tokens = new long[batch * beams];
            var newScores = new double[batch * beams];
            var newSequences = new List<int>[batch * beams];
            for (var b = 0; b < batch; b++)
            {
                var kept = 0;
                for (var c = 0; c < 2 * beams && kept < beams; c++)
                {
                    var flat = candidateIndices[b * 2 * beams + c];
                    var source = b * beams + (int)(flat / vocab);
                    var token = (int)(flat % vocab);
                    var score = (double)candidateScores[b * 2 * beams + c];
                    if (double.IsNegativeInfinity(score))
                        break;
                    if (token == head.EosId)
                    {
                        if (!done[b] && c < beams)
                            finished[b]
                                .Add((Normalise(score, sequences[source].Count + 1, options), [.. sequences[source]]));
                        continue;
                    }
                    var slot = b * beams + kept++;
                    (sources[slot], tokens[slot], newScores[slot]) = (source, token, score);
                    newSequences[slot] = [.. sequences[source], token];
                }
                for (var slot = b * beams + kept; slot < (b + 1) * beams; slot++)
                    (sources[slot], tokens[slot], newScores[slot], newSequences[slot]) = (
                        b * beams,
                        head.PadId,
                        double.NegativeInfinity,
                        []
                    );
                done[b] |= IsDone(finished[b], newScores.AsSpan(b * beams, beams), step + 2, beams, options);
            }
            cache.Select(tensor(sources));
            sequences = [.. newSequences];
            scores = newScores;
            next = tensor(tokens, [batch * beams, 1]).MoveToOuterDisposeScope();
        }

        var results = new List<int[]>(batch);
        for (var b = 0; b < batch; b++)
        {
            if (!done[b]) // ran out of length: the live beams compete with the finished ones
                for (var k = 0; k < beams; k++)
                    if (!double.IsNegativeInfinity(scores[b * beams + k]))
                        finished[b]
                            .Add(
                                (
                                    Normalise(scores[b * beams + k], sequences[b * beams + k].Count, options),
                                    [.. sequences[b * beams + k]]
                                )
                            );
            results.Add(finished[b].Count == 0 ? [] : finished[b].MaxBy(h => h.Score).Ids);
        }
        return results;
    }

    static double Normalise(double logProbability, int length, GenerationSettings options) =>
        logProbability / Math.Pow(Math.Max(length, 1), options.LengthPenalty);

    /// <summary>HF's rule (early_stopping=False): done once K hypotheses are finished and no live beam can beat the
    /// worst.</summary>
    static bool IsDone(
        List<(double Score, int[] Ids)> finished,
        ReadOnlySpan<double> live,
        int length,
        int beams,
        GenerationSettings options
    )
    {
        if (finished.Count < beams)
            return false;
        var bestLive = double.NegativeInfinity;
        foreach (var s in live)
            bestLive = Math.Max(bestLive, s);
        return Normalise(bestLive, length, options)
            <= finished.OrderByDescending(h => h.Score).Take(beams).Min(h => h.Score);
    }

    static void BanRepeats(Tensor logits, IReadOnlyList<List<int>> sequences, int n)
    {
        if (n <= 0)
            return;
        for (var row = 0; row < sequences.Count; row++)
            foreach (var token in NgramBlocker.Banned(sequences[row], n).Distinct())
                logits[row, token] = float.NegativeInfinity;
    }
}
