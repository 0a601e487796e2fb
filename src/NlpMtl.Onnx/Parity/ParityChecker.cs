using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Parity;

/// <summary>
/// Measures ORT against TorchSharp on the same inputs: encoder hidden states (non-padding positions) and sentiment
/// logits; per generative head, step logits over a cached decode, and greedy generations end to end (ORT encoder →
/// cross graph → step graph against <see cref="Seq2SeqGenerator"/>).
/// </summary>
public sealed class ParityChecker(MultiTaskModel model, IReadOnlyList<EncodedBatch> batches)
{
    /// <summary>Steps of the cached decode whose logits are compared.</summary>
    public int DecoderSteps { get; init; } = 8;

    /// <summary>Upper bound on greedy length at export: long enough to show drift, short enough to keep export quick.</summary>
    public int GreedyMaxNewTokens { get; init; } = 24;

    public int Inputs => batches.Sum(b => b.BatchSize);

    /// <summary>Max |Δ| of last_hidden_state over real tokens and of sentiment_logits (null without a sentiment head); keeps ORT's hidden states for the decoders.</summary>
    public (double Hidden, double? Logits, List<FloatTensor> OrtHidden) Encoder(OrtGraph encoder)
    {
        var (maxHidden, maxLogits) = (0.0, 0.0);
        var ortHidden = new List<FloatTensor>();
        foreach (var batch in batches)
        {
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            var outputs = encoder.Run(new Dictionary<string, (Array, long[])>
            {
                [BundleNames.InputIds] = (batch.InputIds, shape),
                [BundleNames.AttentionMask] = (batch.AttentionMask, shape),
                [BundleNames.TokenTypeIds] = (batch.TokenTypeIds, shape),
            });
            var hidden = outputs[BundleNames.LastHiddenState];
            ortHidden.Add(hidden);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (ids, mask, types) = Tensors(batch);
            var expected = model.Encode(ids, mask, types);
            maxHidden = Math.Max(maxHidden, MaxOverTokens(hidden.Values, expected.data<float>().ToArray(), batch, (int)hidden.Shape[2]));
            if (model.Config.Sentiment is not null)
                maxLogits = Math.Max(maxLogits, Max(outputs[BundleNames.SentimentLogits].Values, model.SentimentLogits(expected, mask).data<float>().ToArray()));
        }
        return (maxHidden, model.Config.Sentiment is null ? null : maxLogits, ortHidden);
    }

    /// <summary>Step logits max |Δ| (TorchSharp's encoding fed to both, so the decoder graphs alone are judged) and
    /// the fraction of inputs whose greedy generation is token-identical (ORT's own encoding, as serving runs).</summary>
    public DecoderParity Decoder(string task, OrtDecoder ort, IReadOnlyList<FloatTensor> ortHidden)
    {
        var head = model.Config.Decoder(task);
        var decoder = model.Decoder(task);
        var options = new GenerationOptions { NumBeams = 1, MaxNewTokens = Math.Min(head.MaxTargetLength, GreedyMaxNewTokens), NoRepeatNgramSize = head.NoRepeatNgramSize };
        var (maxLogits, identical) = (0.0, 0);
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (ids, mask, _) = Tensors(batch);
            var hidden = model.Encode(ids, mask, zeros_like(ids)); // generation encodes with token type 0
            var crossCache = ort.Cross(new FloatTensor(hidden.data<float>().ToArray(), hidden.shape));
            var past = ort.EmptyPast(batch.BatchSize);
            var additiveMask = BertModel.AdditiveMask(mask, CPU);
            var tokens = Enumerable.Repeat((long)head.BosId, batch.BatchSize).ToArray();
            using var cache = decoder.NewCache();
            for (var step = 0; step < DecoderSteps; step++)
            {
                var expected = decoder.Step(tensor(tokens, [batch.BatchSize, 1L]), hidden, additiveMask, cache, ids);
                var (logits, present) = ort.Step(tokens, batch.AttentionMask, shape, crossCache, past, batch.InputIds);
                maxLogits = Math.Max(maxLogits, Max(logits.Values, expected.data<float>().ToArray()));
                past = present;
                tokens = expected.select(1, -1).argmax(-1).data<long>().ToArray(); // both follow TorchSharp's greedy path
            }

            var torchIds = Seq2SeqGenerator.Generate(model, task, ids, mask, options);
            var ortIds = ort.Greedy(ortHidden[b], batch.AttentionMask, head.BosId, head.EosId, head.PadId, options.MaxNewTokens, options.NoRepeatNgramSize, batch.InputIds);
            identical += torchIds.Zip(ortIds).Count(p => p.First.AsSpan().SequenceEqual(p.Second));
        }
        return new DecoderParity(maxLogits, (double)identical / Inputs, Inputs);
    }

    static (Tensor Ids, Tensor Mask, Tensor Types) Tensors(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape));
    }

    /// <summary>Max |a − b| over the non-padding positions of (B, T, width) arrays.</summary>
    static double MaxOverTokens(float[] a, ReadOnlySpan<float> b, EncodedBatch batch, int width)
    {
        var max = 0.0;
        for (var row = 0; row < batch.BatchSize; row++)
        {
            var start = row * batch.SequenceLength * width;
            max = Math.Max(max, Max(a.AsSpan(start, batch.Lengths[row] * width), b.Slice(start, batch.Lengths[row] * width)));
        }
        return max;
    }

    static double Max(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"parity: ORT gave {a.Length} values, TorchSharp {b.Length}");
        var max = 0.0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
