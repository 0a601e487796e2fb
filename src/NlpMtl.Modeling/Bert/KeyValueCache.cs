using static TorchSharp.torch;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// Keys and values of one attention block kept across decoding steps, each (B, nH, T, Hd). Self-attention caches grow
/// by one position a step; cross-attention caches hold the encoder's keys/values, computed at the first step. The
/// cache owns its tensors (detached from dispose scopes) and frees them on <see cref="Dispose"/> or replacement.
/// </summary>
public sealed class KeyValueCache(bool isCross) : IDisposable
{
    public bool IsCross { get; } = isCross;
    public Tensor? Keys { get; private set; }
    public Tensor? Values { get; private set; }
    public long Length => Keys?.shape[2] ?? 0;

    /// <summary>Appends (self) or stores (cross) <paramref name="keys"/>/<paramref name="values"/>; returns the full
    /// cache.</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        var newKeys = Keys is null || IsCross ? keys : cat([Keys, keys], 2); // (B, nH, T + t, Hd)
        var newValues = Values is null || IsCross ? values : cat([Values, values], 2);
        Replace(newKeys.DetachFromDisposeScope(), newValues.DetachFromDisposeScope());
        return (Keys!, Values!);
    }

    /// <summary>Reorders the batch dimension (beam search keeps the caches of the surviving beams).</summary>
    public void Select(Tensor batchIndices)
    {
        if (Keys is null)
            return;
        Replace(
            Keys.index_select(0, batchIndices).DetachFromDisposeScope(),
            Values!.index_select(0, batchIndices).DetachFromDisposeScope()
        );
    }

    void Replace(Tensor keys, Tensor values)
    {
        if (!ReferenceEquals(keys, Keys))
            Keys?.Dispose();
        if (!ReferenceEquals(values, Values))
            Values?.Dispose();
        (Keys, Values) = (keys, values);
    }

    public void Dispose() => Replace(null!, null!);
}
