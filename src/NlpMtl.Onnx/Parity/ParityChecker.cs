using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference;
using NlpMtl.Inference.Generation;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Parity;

/// <summary>
/// Measures the bundle as serving loads it (<see cref="ModelBundle"/>) against TorchSharp on the same inputs: encoder
/// hidden states (non-padding positions) and sentiment logits; per generative head, step logits over a cached decode
/// (<see cref="OrtStepDecoder"/>), and greedy generations end to end (<see cref="GreedySearch"/> on ORT's encoding
/// against <see cref="Seq2SeqGenerator"/>).
/// </summary>
public sealed class ParityChecker(MultiTaskModel model, ModelBundle bundle, IReadOnlyList<EncodedBatch> batches)
    : IDisposable
{
    readonly List<OrtValue> ortHidden = [];

    /// <summary>Steps of the cached decode whose logits are compared.</summary>
    public int DecoderSteps { get; init; } = 8;

    /// <summary>Upper bound on greedy length at export: long enough to show drift, short enough to keep export
    /// quick.</summary>
    public int GreedyMaxNewTokens { get; init; } = 24;

    public int Inputs => batches.Sum(b => b.BatchSize);

    /// <summary>Max |Δ| of last_hidden_state over real tokens and of sentiment_logits (null without a sentiment head);
    /// keeps ORT's hidden states for <see cref="Decoder"/>.</summary>
    public (double Hidden, double? Logits) Encoder()
    {
        var (maxHidden, maxLogits) = (0.0, 0.0);
        var sentiment = model.Config.Sentiment is not null;
        string[] outputNames = sentiment
            ? [BundleNames.LastHiddenState, BundleNames.SentimentLogits]
            : [BundleNames.LastHiddenState];
        foreach (var batch in batches)
        {
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
            using var attention = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
            using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
            var outputs = bundle.Encoder.Run(
                [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
                [ids, attention, types],
                outputNames
            );
            ortHidden.Add(outputs[0]); // kept (and disposed with this checker); the logits are read and released below
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (tIds, tMask, tTypes) = Tensors(batch);
            var expected = model.Encode(tIds, tMask, tTypes);
            var hidden = outputs[0];
            maxHidden = Math.Max(
                maxHidden,
                MaxOverTokens(
                    hidden.GetTensorDataAsSpan<float>(),
                    expected.data<float>().ToArray(),
                    batch,
                    (int)hidden.GetTensorTypeAndShape().Shape[2]
                )
            );
            if (sentiment)
            {
                using var logits = outputs[1];
                maxLogits = Math.Max(
                    maxLogits,
                    Max(
                        logits.GetTensorDataAsSpan<float>(),
                        model.SentimentLogits(expected, tMask).data<float>().ToArray()
                    )
                );
            }
        }
        return (maxHidden, sentiment ? maxLogits : null);
    }

    /// <summary>Step logits max |Δ| (TorchSharp's encoding fed to both, so the decoder graphs alone are judged) and the
    /// fraction of inputs whose greedy generation is token-identical (ORT's own encoding, as serving runs).</summary>
    public DecoderParity Decoder(string task)
    {
        if (ortHidden.Count != batches.Count)
            throw new InvalidOperationException("parity: run Encoder() before Decoder()");
        var config = model.Config.Decoder(task);
        var decoder = model.Decoder(task);
        var head = bundle.Decoder(task);
        var greedy = new GenerationSettings
        {
            NumBeams = 1,
            MaxNewTokens = Math.Min(config.MaxTargetLength, GreedyMaxNewTokens),
            NoRepeatNgramSize = config.NoRepeatNgramSize,
        };
        var (maxLogits, identical) = (0.0, 0);
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (ids, mask, _) = Tensors(batch);
            var hidden = model.Encode(ids, mask, zeros_like(ids)); // generation encodes with token type 0
            using (var torchStates = OrtValue.CreateTensorValueFromMemory(hidden.data<float>().ToArray(), hidden.shape))
            using (var ort = new OrtStepDecoder(head, torchStates, batch.AttentionMask, batch.InputIds))
            {
                var additiveMask = BertModel.AdditiveMask(mask, CPU);
                var tokens = Enumerable.Repeat((long)config.BosId, batch.BatchSize).ToArray();
                using var cache = decoder.NewCache();
                for (var step = 0; step < DecoderSteps; step++)
                {
                    var expected = decoder.Step(
                        tensor(tokens, [batch.BatchSize, 1L]),
                        hidden,
                        additiveMask,
                        cache,
                        ids
                    );
                    maxLogits = Math.Max(maxLogits, Max(ort.Step(tokens), expected.data<float>().ToArray()));
                    // both follow TorchSharp's greedy path
                    tokens = expected.select(1, -1).argmax(-1).data<long>().ToArray();
                }
            }

            var torchIds = Seq2SeqGenerator.Generate(model, task, ids, mask, greedy);
            using var served = new OrtStepDecoder(head, ortHidden[b], batch.AttentionMask, batch.InputIds);
            var ortIds = GreedySearch.Run(served, head.Special, greedy);
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
    static double MaxOverTokens(ReadOnlySpan<float> a, ReadOnlySpan<float> b, EncodedBatch batch, int width)
    {
        var max = 0.0;
        for (var row = 0; row < batch.BatchSize; row++)
        {
            var start = row * batch.SequenceLength * width;
            max = Math.Max(
                max,
                Max(a.Slice(start, batch.Lengths[row] * width), b.Slice(start, batch.Lengths[row] * width))
            );
        }
        return max;
    }

    static double Max(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new InvalidOperationException($"parity: ORT gave {a.Length} values, TorchSharp {b.Length}");
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public void Dispose()
    {
        foreach (var value in ortHidden)
            value.Dispose();
    }
}
