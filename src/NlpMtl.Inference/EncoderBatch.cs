using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>
/// One padded batch through <c>encoder.onnx</c>: the hidden states stay in ORT memory for the heads that read them
/// (the cross graphs), the sentiment logits are read out. Disposing releases the hidden states.
/// </summary>
internal sealed class EncoderBatch : IDisposable
{
    readonly IDisposableReadOnlyCollection<OrtValue> outputs;

    EncoderBatch(IDisposableReadOnlyCollection<OrtValue> outputs, long[] mask, int[] lengths, int sequence, OrtValue? hidden, float[]? logits)
    {
        (this.outputs, Mask, Lengths, SequenceLength, Hidden, SentimentLogits) = (outputs, mask, lengths, sequence, hidden, logits);
    }

    /// <summary>(B, S) attention mask, row-major.</summary>
    public long[] Mask { get; }
    public int[] Lengths { get; }
    public int SequenceLength { get; }

    /// <summary>(B, S, H) last_hidden_state, when a head needs it.</summary>
    public OrtValue? Hidden { get; }

    /// <summary>(B, labels) row-major, when sentiment was asked for.</summary>
    public float[]? SentimentLogits { get; }

    public static EncoderBatch Run(OrtGraph encoder, IReadOnlyList<int[]> rows, int padId, bool hidden, bool sentiment)
    {
        var lengths = rows.Select(r => r.Length).ToArray();
        var (batch, sequence) = (rows.Count, lengths.Max());
        var (ids, mask) = (new long[batch * sequence], new long[batch * sequence]);
        Array.Fill(ids, padId);
        for (var b = 0; b < batch; b++)
        for (var t = 0; t < lengths[b]; t++)
        {
            ids[b * sequence + t] = rows[b][t];
            mask[b * sequence + t] = 1;
        }
        long[] shape = [batch, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape); // single segment
        var names = new List<string>();
        if (hidden) names.Add(BundleNames.LastHiddenState);
        if (sentiment) names.Add(BundleNames.SentimentLogits);
        var outputs = encoder.Run([BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds], [idsValue, maskValue, typesValue], names);
        var logits = sentiment ? outputs[names.Count - 1].GetTensorDataAsSpan<float>().ToArray() : null;
        return new EncoderBatch(outputs, mask, lengths, sequence, hidden ? outputs[0] : null, logits);
    }

    public void Dispose() => outputs.Dispose();
}
