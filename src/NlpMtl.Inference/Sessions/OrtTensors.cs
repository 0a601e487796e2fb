using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace NlpMtl.Inference.Sessions;

/// <summary>Row selection on ORT-owned float tensors whose first axis is the batch: cache reordering and
/// sub-batches.</summary>
internal static class OrtTensors
{
    public static OrtValue Allocate(params long[] shape) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);

    /// <summary>Row i of the result is row <c>rows[i]</c> of <paramref name="source"/> (B, …).</summary>
    public static OrtValue GatherRows(OrtValue source, ReadOnlySpan<int> rows)
    {
        var shape = source.GetTensorTypeAndShape().Shape;
        var block = checked((int)(shape.Skip(1).Aggregate(1L, (a, b) => a * b)));
        var result = Allocate([rows.Length, .. shape.Skip(1)]);
        if (block == 0)
            return result;
        var from = source.GetTensorDataAsSpan<float>();
        var to = result.GetTensorMutableDataAsSpan<float>();
        for (var i = 0; i < rows.Length; i++)
            from.Slice(rows[i] * block, block).CopyTo(to.Slice(i * block, block));
        return result;
    }

    /// <summary>(B, S, H) → (rows, <paramref name="length"/>, H): the chosen rows, cut to their longest (no wasted
    /// padding).</summary>
    public static OrtValue GatherRows(OrtValue source, ReadOnlySpan<int> rows, int length)
    {
        var shape = source.GetTensorTypeAndShape().Shape; // (B, S, H)
        int sequence = (int)shape[1],
            hidden = (int)shape[2];
        var result = Allocate(rows.Length, length, hidden);
        var from = source.GetTensorDataAsSpan<float>();
        var to = result.GetTensorMutableDataAsSpan<float>();
        for (var i = 0; i < rows.Length; i++)
            from.Slice(rows[i] * sequence * hidden, length * hidden)
                .CopyTo(to.Slice(i * length * hidden, length * hidden));
        return result;
    }
}
