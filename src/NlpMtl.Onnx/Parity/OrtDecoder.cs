using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Modeling.Generation;

namespace NlpMtl.Onnx.Parity;

/// <summary>
/// A generative head's two exported graphs run the way serving runs them: the cross graph once per batch, then the
/// step graph one token at a time with the self-attention cache fed back. Export checks its graphs with it.
/// </summary>
public sealed class OrtDecoder(OrtGraph cross, OrtGraph step, int layers, int heads, int headDim) : IDisposable
{
    /// <summary>Every layer's cross-attention keys/values for (B, S, H) encoder states.</summary>
    public Dictionary<string, FloatTensor> Cross(FloatTensor encoderStates) =>
        cross.Run(new Dictionary<string, (Array, long[])> { [BundleNames.EncoderHiddenStates] = (encoderStates.Values, encoderStates.Shape) });

    /// <summary>A cache with no positions yet (past length 0), as the first step takes it.</summary>
    public Dictionary<string, FloatTensor> EmptyPast(long batch)
    {
        var past = new Dictionary<string, FloatTensor>();
        for (var i = 0; i < layers; i++)
        {
            past[BundleNames.PresentKey(i)] = FloatTensor.Empty(batch, heads, 0, headDim);
            past[BundleNames.PresentValue(i)] = FloatTensor.Empty(batch, heads, 0, headDim);
        }
        return past;
    }

    /// <summary>
    /// One step: (B, t) tokens → (B, t, V) logits and the outputs to pass back (keyed by their present names, as
    /// <see cref="EmptyPast"/> keys them). A copying head (its cross outputs hold copy keys) also takes the encoder's
    /// input ids, laid out as <paramref name="encoderMask"/>.
    /// </summary>
    public (FloatTensor Logits, Dictionary<string, FloatTensor> Present) Step(long[] tokens, long[] encoderMask, long[] encoderMaskShape,
        IReadOnlyDictionary<string, FloatTensor> crossCache, IReadOnlyDictionary<string, FloatTensor> past, long[]? sourceIds = null)
    {
        var batch = encoderMaskShape[0];
        var inputs = new Dictionary<string, (Array, long[])>
        {
            [BundleNames.DecoderInputIds] = (tokens, [batch, tokens.Length / batch]),
            [BundleNames.EncoderAttentionMask] = (encoderMask, encoderMaskShape),
        };
        for (var i = 0; i < layers; i++)
        {
            inputs[BundleNames.PastKey(i)] = Pair(past[BundleNames.PresentKey(i)]);
            inputs[BundleNames.PastValue(i)] = Pair(past[BundleNames.PresentValue(i)]);
            inputs[BundleNames.CrossKey(i)] = Pair(crossCache[BundleNames.CrossKey(i)]);
            inputs[BundleNames.CrossValue(i)] = Pair(crossCache[BundleNames.CrossValue(i)]);
        }
        if (crossCache.TryGetValue(BundleNames.CopyKeys, out var copyKeys))
        {
            inputs[BundleNames.CopyKeys] = Pair(copyKeys);
            inputs[BundleNames.EncoderInputIds] = (sourceIds ?? throw new ArgumentException("a copying head needs the source ids", nameof(sourceIds)), encoderMaskShape);
        }
        var outputs = step.Run(inputs);
        var logits = outputs[BundleNames.Logits];
        outputs.Remove(BundleNames.Logits);
        return (logits, outputs);
    }

    /// <summary>Greedy search as <see cref="Seq2SeqGenerator"/> does it: BOS first, argmax (first maximum), stop at EOS,
    /// finished rows fed PAD; output ids exclude BOS and EOS.</summary>
    public IReadOnlyList<int[]> Greedy(FloatTensor encoderStates, long[] encoderMask, int bosId, int eosId, int padId, int maxNewTokens, int noRepeatNgramSize,
        long[]? sourceIds = null)
    {
        var batch = (int)encoderStates.Shape[0];
        long[] maskShape = [batch, encoderStates.Shape[1]];
        var crossCache = Cross(encoderStates);
        var past = EmptyPast(batch);
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var next = Enumerable.Repeat((long)bosId, batch).ToArray();
        for (var step = 0; step < maxNewTokens && finished.Contains(false); step++)
        {
            var (logits, present) = Step(next, encoderMask, maskShape, crossCache, past, sourceIds);
            past = present;
            var vocab = (int)logits.Shape[2];
            for (var b = 0; b < batch; b++)
            {
                var row = logits.Values.AsSpan(b * vocab, vocab); // t = 1: the row's only position
                foreach (var banned in NgramBlocker.Banned(outputs[b], noRepeatNgramSize)) row[banned] = float.NegativeInfinity;
                var chosen = ArgMax(row);
                if (!finished[b])
                {
                    if (chosen == eosId) finished[b] = true;
                    else outputs[b].Add(chosen);
                }
                next[b] = finished[b] ? padId : chosen;
            }
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    static (Array, long[]) Pair(FloatTensor tensor) => (tensor.Values, tensor.Shape);

    public void Dispose()
    {
        cross.Dispose();
        step.Dispose();
    }
}
