using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>TorchSharp's outputs for a batch, and the differences that parity is judged on.</summary>
public static class Parity
{
    public const double Tolerance = 1e-4;

    /// <summary>(B·T·H) hidden states and (B·C) sentiment logits of <paramref name="model"/> in eval mode.</summary>
    public static (float[] Hidden, float[] Logits) Torch(MultiTaskModel model, EncodedBatch batch)
    {
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        var mask = tensor(batch.AttentionMask, shape);
        var hidden = model.Encode(tensor(batch.InputIds, shape), mask, tensor(batch.TokenTypeIds, shape));
        return (hidden.data<float>().ToArray(), model.SentimentLogits(hidden, mask).data<float>().ToArray());
    }

    /// <summary>Max |a − b| over the non-padding positions of (B, T, <paramref name="width"/>) arrays.</summary>
    public static double MaxOverTokens(float[] a, float[] b, EncodedBatch batch, int width)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var row = 0; row < batch.BatchSize; row++)
        for (var t = 0; t < batch.Lengths[row]; t++)
        for (var h = 0; h < width; h++)
        {
            var i = (row * batch.SequenceLength + t) * width + h;
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }

    public static double Max(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();
    }

    /// <summary>A padded batch of random ids with the given row lengths; token types 1 on each row's second
    /// half.</summary>
    public static EncodedBatch RandomBatch(Random random, int vocabulary, params int[] lengths)
    {
        var (rows, width) = (lengths.Length, lengths.Max());
        var (ids, mask, types) = (new long[rows * width], new long[rows * width], new long[rows * width]);
        for (var r = 0; r < rows; r++)
        for (var t = 0; t < lengths[r]; t++)
        {
            ids[r * width + t] = random.Next(1, vocabulary);
            mask[r * width + t] = 1;
            types[r * width + t] = t >= lengths[r] / 2 ? 1 : 0;
        }
        return new EncodedBatch(ids, mask, types, rows, width) { Lengths = lengths };
    }
}
