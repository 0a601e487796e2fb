using NlpMtl.Core.Numerics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>
/// PCGrad (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning") on the shared encoder: each task's gradient
/// is projected off the normal plane of every other task's gradient it conflicts with (negative dot product), in a
/// random order, and the projected gradients are summed. Head parameters belong to one task and keep their gradient.
/// </summary>
public static class PcGrad
{
    /// <summary>The current shared gradients, flattened (call after one task's backward).</summary>
    public static Tensor Snapshot(IReadOnlyList<Parameter> shared) =>
        cat(shared.Select(p => p.grad is null ? zeros(p.numel()) : p.grad.flatten()).ToArray());

    /// <summary>Projects conflicting gradients and writes their sum into the shared parameters' .grad.</summary>
    public static void Apply(IReadOnlyList<Parameter> shared, IReadOnlyList<Tensor> taskGradients, SplitMix64 random)
    {
        using var noGrad = no_grad();
        var projected = new List<Tensor>();
        for (var i = 0; i < taskGradients.Count; i++)
        {
            var g = taskGradients[i].clone();
            foreach (var j in random.Permutation(taskGradients.Count).Where(j => j != i))
            {
                var other = taskGradients[j];
                var dot = g.dot(other).item<float>();
                if (dot < 0)
                    g -= dot / Math.Max(other.dot(other).item<float>(), 1e-12f) * other;
            }
            projected.Add(g);
        }
        var total = stack(projected).sum(dim: 0); // (N); a bare 0 would bind to the dtype overload
        long offset = 0;
        foreach (var p in shared)
        {
            var slice = total.narrow(0, offset, p.numel()).view(p.shape);
            if (p.grad is null)
                p.grad = slice.clone();
            else
                p.grad.copy_(slice);
            offset += p.numel();
        }
    }
}
