using static TorchSharp.torch;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>Weights carried from one module into another where they correspond (warm starts, adding a head
/// part).</summary>
public static class ModuleWeights
{
    /// <summary>
    /// Copies every tensor of <paramref name="source"/> whose name and shape <paramref name="target"/> also has; the
    /// target's other tensors keep their values. Names starting with <paramref name="skipPrefix"/> are not copied.
    /// </summary>
    public static void CopyMatching(nn.Module source, nn.Module target, string? skipPrefix = null)
    {
        var from = source.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in target.state_dict())
        {
            if (skipPrefix is not null && name.StartsWith(skipPrefix, StringComparison.Ordinal))
                continue;
            if (from.TryGetValue(name, out var value) && value.shape.SequenceEqual(tensor.shape))
                tensor.copy_(value);
        }
    }
}
