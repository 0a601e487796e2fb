using NlpMtl.Core.Generation;

namespace NlpMtl.Inference.Generation;

/// <summary>
/// Greedy search as the TorchSharp reference (Modeling's Seq2SeqGenerator) does it: BOS first, the first maximum of
/// the logits after n-gram bans, stop at EOS; output ids exclude BOS and EOS. Unlike the reference, finished rows
/// leave the batch instead of being fed PAD, which changes no row's result.
/// </summary>
public static class GreedySearch
{
    /// <returns>One id sequence per row the decoder starts with.</returns>
    public static int[][] Run(
        IStepDecoder decoder,
        SpecialTokens special,
        GenerationSettings settings,
        CancellationToken cancellationToken = default
    )
    {
        settings.Validate();
        var outputs = Enumerable.Range(0, decoder.Rows).Select(_ => new List<int>()).ToArray();
        var live = Enumerable.Range(0, decoder.Rows).ToList(); // output index of each decoder row
        var next = new long[live.Count];
        Array.Fill(next, special.Bos);
        var vocab = decoder.VocabSize;
        for (var step = 0; step < settings.MaxNewTokens && live.Count > 0; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = decoder.Step(next);
            var keep = new List<int>(live.Count);
            var tokens = new List<long>(live.Count);
            for (var row = 0; row < live.Count; row++)
            {
                var output = outputs[live[row]];
                var chosen = ArgMax(logits.Slice(row * vocab, vocab), Banned(output, settings.NoRepeatNgramSize));
                if (chosen == special.Eos)
                    continue;
                output.Add(chosen);
                keep.Add(row);
                tokens.Add(chosen);
            }
            if (keep.Count < live.Count && keep.Count > 0 && step + 1 < settings.MaxNewTokens)
                decoder.Select(keep.ToArray());
            live = keep.Select(row => live[row]).ToList();
            next = tokens.ToArray();
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    internal static HashSet<int>? Banned(List<int> sequence, int n) =>
        n <= 0 || sequence.Count < n ? null : NgramBlocker.Banned(sequence, n).ToHashSet();

    /// <summary>Index of the first maximum, skipping banned ids (torch's argmax takes the first of equal
    /// maxima).</summary>
    internal static int ArgMax(ReadOnlySpan<float> logits, HashSet<int>? banned)
    {
        var best = -1;
        var bestValue = float.NegativeInfinity;
        for (var v = 0; v < logits.Length; v++)
        {
            if (logits[v] > bestValue && (banned is null || !banned.Contains(v)))
            {
                best = v;
                bestValue = logits[v];
            }
        }
        return best < 0 ? 0 : best; // every id banned or -inf: torch's argmax of an all -inf row is 0
    }
}
