using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>
/// One padded batch through <c>encoder.onnx</c>: the hidden states stay in ORT memory for the heads that read them
/// (the cross graphs), the sentiment logits are read out. A batch larger than the chunk limit is encoded in chunks of
/// consecutive rows, each padded to its own longest row: on CPU a smaller encoder call keeps its activations in cache
/// (docs/benchmarks.md: one large call ran slower than one document at a time), while the generative
/// heads still get the whole batch, where rows are what pays. Disposing releases the hidden states.
/// </summary>
internal sealed class EncoderBatch : IDisposable
{
    readonly IDisposable owner;

    EncoderBatch(
        IDisposable owner,
        IReadOnlyList<int[]> rows,
        long[] mask,
        int[] lengths,
        int sequence,
        OrtValue? hidden,
        float[]? logits
    )
    {
        (this.owner, Rows, Mask, Lengths, SequenceLength, Hidden, SentimentLogits) = (
            owner,
            rows,
            mask,
            lengths,
            sequence,
            hidden,
            logits
        );
    }

    /// <summary>Each row's token ids, unpadded (copying heads write them).</summary>
    public IReadOnlyList<int[]> Rows { get; }

    /// <summary>(B, S) attention mask, row-major.</summary>
    public long[] Mask { get; }
    public int[] Lengths { get; }
    public int SequenceLength { get; }

    /// <summary>(B, S, H) last_hidden_state, when a head needs it (zeros at padding when encoded in chunks).</summary>
    public OrtValue? Hidden { get; }

    /// <summary>(B, labels) row-major, when sentiment was asked for.</summary>
    public float[]? SentimentLogits { get; }

    /// <param name="chunkPositions">Most positions (rows × longest row) per encoder call; 0 = the whole batch at
    /// once.</param>
    public static EncoderBatch Run(
        OrtGraph encoder,
        IReadOnlyList<int[]> rows,
        int padId,
        bool hidden,
        bool sentiment,
        int chunkPositions = 0
    )
    {
        var lengths = rows.Select(r => r.Length).ToArray();
        var (batch, sequence) = (rows.Count, lengths.Max());
        var chunks = Chunks(lengths, chunkPositions);
        if (chunks.Count == 1)
        {
            var outputs = Encode(encoder, rows, padId, hidden, sentiment, out var batchMask);
            var logits = sentiment ? outputs[^1].GetTensorDataAsSpan<float>().ToArray() : null;
            return new EncoderBatch(outputs, rows, batchMask, lengths, sequence, hidden ? outputs[0] : null, logits);
        }

        float[]? states = null,
            allLogits = null;
        var width = 0;
        foreach (var (start, count) in chunks)
        {
            var chunkRows = rows.Skip(start).Take(count).ToList();
            var chunkLength = chunkRows.Max(r => r.Length);
            using var outputs = Encode(encoder, chunkRows, padId, hidden, sentiment, out _);
            if (hidden)
            {
                var chunkStates = outputs[0].GetTensorDataAsSpan<float>();
                width = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
                states ??= new float[batch * sequence * width];
                for (var r = 0; r < count; r++)
                    chunkStates
                        .Slice(r * chunkLength * width, chunkLength * width)
                        .CopyTo(states.AsSpan((start + r) * sequence * width));
            }
            if (sentiment)
            {
                var chunkLogits = outputs[^1].GetTensorDataAsSpan<float>();
                allLogits ??= new float[batch * (chunkLogits.Length / count)];
                chunkLogits.CopyTo(allLogits.AsSpan(start * (chunkLogits.Length / count)));
            }
        }
        var hiddenValue = states is null
            ? null
            : OrtValue.CreateTensorValueFromMemory(states, [batch, sequence, width]);
        return new EncoderBatch(
            hiddenValue ?? (IDisposable)new NoOwner(),
            rows,
            MaskOf(lengths, sequence),
            lengths,
            sequence,
            hiddenValue,
            allLogits
        );
    }

    /// <summary>Consecutive row ranges whose padded size (rows × longest) stays within the limit; one row at least
    /// each.</summary>
    internal static List<(int Start, int Count)> Chunks(IReadOnlyList<int> lengths, int chunkPositions)
    {
        if (chunkPositions <= 0)
            return [(0, lengths.Count)];
        var chunks = new List<(int, int)>();
        var (start, longest) = (0, 0);
        for (var i = 0; i < lengths.Count; i++)
        {
            var grown = Math.Max(longest, lengths[i]);
            if (i > start && (long)(i - start + 1) * grown > chunkPositions)
            {
                chunks.Add((start, i - start));
                (start, grown) = (i, lengths[i]);
            }
            longest = grown;
        }
        chunks.Add((start, lengths.Count - start));
        return chunks;
    }

    /// <summary>(rows, <paramref name="sequence"/>) ids, row-major, each row filled out with
    /// <paramref name="padId"/>.</summary>
    internal static long[] PadRows(IReadOnlyList<int[]> rows, int sequence, int padId)
    {
        var ids = new long[rows.Count * sequence];
        Array.Fill(ids, padId);
        for (var b = 0; b < rows.Count; b++)
        for (var t = 0; t < rows[b].Length; t++)
            ids[b * sequence + t] = rows[b][t];
        return ids;
    }

    static long[] MaskOf(int[] lengths, int sequence)
    {
        var mask = new long[lengths.Length * sequence];
        for (var b = 0; b < lengths.Length; b++)
            mask.AsSpan(b * sequence, lengths[b]).Fill(1);
        return mask;
    }

    /// <param name="mask">The (rows, longest) attention mask it fed the encoder.</param>
    static IDisposableReadOnlyCollection<OrtValue> Encode(
        OrtGraph encoder,
        IReadOnlyList<int[]> rows,
        int padId,
        bool hidden,
        bool sentiment,
        out long[] mask
    )
    {
        var lengths = rows.Select(r => r.Length).ToArray();
        var (batch, sequence) = (rows.Count, lengths.Max());
        var ids = PadRows(rows, sequence, padId);
        long[] shape = [batch, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        mask = MaskOf(lengths, sequence);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape); // single segment
        var names = new List<string>();
        if (hidden)
            names.Add(BundleNames.LastHiddenState);
        if (sentiment)
            names.Add(BundleNames.SentimentLogits);
        return encoder.Run(
            [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
            [idsValue, maskValue, typesValue],
            names
        );
    }

    /// <summary>Row <paramref name="row"/>'s hidden states averaged over its tokens (padding excluded), or over the
    /// tokens of <paramref name="span"/>.</summary>
    public float[] MeanPooled(int row, Range? span = null)
    {
        var hidden = Hidden ?? throw new InvalidOperationException("the encoder's hidden states were not kept");
        var states = hidden.GetTensorDataAsSpan<float>();
        var width = states.Length / (Lengths.Length * SequenceLength);
        var mean = new float[width];
        var (start, count) = (span ?? Range.All).GetOffsetAndLength(Lengths[row]);
        for (var t = start; t < start + count; t++)
        {
            var state = states.Slice((row * SequenceLength + t) * width, width);
            for (var k = 0; k < width; k++)
                mean[k] += state[k];
        }
        for (var k = 0; k < width; k++)
            mean[k] /= Math.Max(1, count);
        return mean;
    }

    public void Dispose() => owner.Dispose();

    sealed class NoOwner : IDisposable
    {
        public void Dispose() { }
    }
}
