using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference;
using NlpMtl.Inference.Generation;

namespace NlpMtl.Benchmarks;

/// <summary>
/// The same 64 tokens per row decoded two ways after one encoder pass and one cross-graph run: one new token per
/// step with the self-attention cache (<see cref="OrtStepDecoder"/>), or the whole prefix every step with an empty
/// past (what a decoder without a cache does). Tokens are fixed in advance, so both do exactly the same work.
/// </summary>
sealed class KeyValueCacheBench : IDisposable
{
    readonly DecoderHead head;
    readonly IDisposableReadOnlyCollection<OrtValue> encoded;
    readonly long[] mask;
    readonly long[] sourceIds; // (rows, length): a copying head's step graph reads them
    readonly long[][] tokens; // per step, one token per row (BOS first)
    readonly int rows;

    public KeyValueCacheBench(
        InferenceEngine engine,
        DecoderHead head,
        IReadOnlyList<EncodedDocument> documents,
        int newTokens
    )
    {
        this.head = head;
        rows = documents.Count;
        var length = documents.Max(d => d.Tokens);
        var ids = sourceIds = new long[rows * length];
        mask = new long[rows * length];
        for (var r = 0; r < rows; r++)
        for (var t = 0; t < documents[r].Tokens; t++)
            (ids[r * length + t], mask[r * length + t]) = (documents[r].InputIds[t], 1);
        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        encoded = engine.Bundle.Encoder.Run(
            [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
            [idsValue, maskValue, types],
            [BundleNames.LastHiddenState]
        );
        var random = new Random(2);
        var vocabulary = head.Manifest.VocabSize;
        tokens = Enumerable
            .Range(0, newTokens)
            .Select(step =>
                Enumerable
                    .Range(0, rows)
                    .Select(_ =>
                        step == 0 ? head.Manifest.BosId : (long)random.Next(Math.Min(1000, vocabulary / 2), vocabulary)
                    )
                    .ToArray()
            )
            .ToArray();
    }

    public void WithCache()
    {
        using var decoder = new OrtStepDecoder(head, encoded[0], mask, sourceIds);
        foreach (var step in tokens)
            decoder.Step(step);
    }

    public void RecomputingThePrefix()
    {
        var m = head.Manifest;
        var cross = head.Cross.Run([BundleNames.EncoderHiddenStates], [encoded[0]], head.Names.Cross);
        var empty = head
            .Names.Past.Select(_ =>
                OrtValue.CreateAllocatedTensorValue(
                    OrtAllocator.DefaultInstance,
                    TensorElementType.Float,
                    [rows, m.NumHeads, 0, m.HeadDim]
                )
            )
            .ToList();
        try
        {
            var length = mask.Length / rows;
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [rows, length]);
            using var sourceValue = OrtValue.CreateTensorValueFromMemory(sourceIds, [rows, length]);
            OrtValue[] copyInputs = head.Manifest.Copy ? [sourceValue] : [];
            for (var step = 1; step <= tokens.Length; step++)
            {
                var prefix = new long[rows * step]; // (rows, step): every token so far
                for (var r = 0; r < rows; r++)
                for (var t = 0; t < step; t++)
                    prefix[r * step + t] = tokens[t][r];
                using var ids = OrtValue.CreateTensorValueFromMemory(prefix, [rows, step]);
                using var result = head.Step.Run(
                    head.Names.StepInputs,
                    [ids, maskValue, .. empty, .. cross, .. copyInputs],
                    head.Names.StepOutputs
                );
            }
        }
        finally
        {
            foreach (var value in empty)
                value.Dispose();
            cross.Dispose();
        }
    }

    public void Dispose() => encoded.Dispose();
}
