using System.Numerics;
using System.Runtime.InteropServices;

namespace NlpMtl.Training;

/// <summary>
/// Gradient clipping and the AdamW update as two passes over memory on the CPU, in C#: one pass reads every gradient
/// for the global norm; one pass reads parameter, gradient and both moments once and writes parameter and moments once
/// (28 bytes per parameter). Done with tensor ops the same work is eight passes (clip scale, decay, lerp, two for the
/// second moment, copy, sqrt, add, addcdiv: ~90 bytes per parameter), and on 2 cores the optimizer is bound by memory
/// bandwidth, not arithmetic. Work is cut into fixed chunks, so results do not depend on thread timing.
/// </summary>
static unsafe class FusedAdamW
{
    const int ChunkElements = 1 << 16;

    /// <summary>One parameter's tensors (contiguous float32 on the CPU) and its step's scalars.</summary>
    public readonly record struct Slot(
        nint Parameter,
        nint Gradient,
        nint ExpAvg,
        nint ExpAvgSq,
        long Length,
        float DecayFactor,
        float Beta1Complement,
        float Beta2,
        float Beta2Complement,
        float EpsilonScaled,
        float StepSize
    );

    /// <summary>Σ g² over every gradient, accumulated in double per chunk and added in a fixed order.</summary>
    public static double SumOfSquares(IReadOnlyList<(nint Gradient, long Length)> gradients)
    {
        var chunks = Chunks(gradients.Select(g => g.Length).ToList());
        var partial = new double[chunks.Count];
        Parallel.For(0, chunks.Count, c =>
        {
            var (tensor, start, length) = chunks[c];
            partial[c] = SumOfSquares(new ReadOnlySpan<float>((float*)gradients[tensor].Gradient + start, length));
        });
        return partial.Sum();
    }

    /// <summary>The AdamW step of every slot, with each gradient multiplied by <paramref name="gradientScale"/> (the
    /// clip factor) as it is read.</summary>
    public static void Update(IReadOnlyList<Slot> slots, float gradientScale)
    {
        var chunks = Chunks(slots.Select(s => s.Length).ToList());
        Parallel.For(0, chunks.Count, c =>
        {
            var (index, start, length) = chunks[c];
            var slot = slots[index];
            Update(
                new Span<float>((float*)slot.Parameter + start, length),
                new ReadOnlySpan<float>((float*)slot.Gradient + start, length),
                new Span<float>((float*)slot.ExpAvg + start, length),
                new Span<float>((float*)slot.ExpAvgSq + start, length),
                slot,
                gradientScale
            );
        });
    }

    static List<(int Tensor, long Start, int Length)> Chunks(IReadOnlyList<long> lengths)
    {
        var chunks = new List<(int, long, int)>();
        for (var t = 0; t < lengths.Count; t++)
        for (long start = 0; start < lengths[t]; start += ChunkElements)
            chunks.Add((t, start, (int)Math.Min(ChunkElements, lengths[t] - start)));
        return chunks;
    }

    static double SumOfSquares(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var sum = Vector<double>.Zero;
        foreach (var v in vectors)
        {
            Vector.Widen(v, out var low, out var high);
            sum += low * low + high * high;
        }
        var total = Vector.Sum(sum);
        for (var i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
            total += (double)values[i] * values[i];
        return total;
    }

    /// <summary>
    /// p ← p·(1 − lr·λ); m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²; p ← p − s·m/(√v + ε√c₂) with s = lr·√c₂/c₁:
    /// <see cref="LeanAdamW"/>'s update (which is TorchSharp's AdamW with the bias corrections folded into scalars).
    /// </summary>
    static void Update(
        Span<float> parameter,
        ReadOnlySpan<float> gradient,
        Span<float> expAvg,
        Span<float> expAvgSq,
        Slot slot,
        float scale
    )
    {
        var p = MemoryMarshal.Cast<float, Vector<float>>(parameter);
        var g = MemoryMarshal.Cast<float, Vector<float>>(gradient);
        var m = MemoryMarshal.Cast<float, Vector<float>>(expAvg);
        var v = MemoryMarshal.Cast<float, Vector<float>>(expAvgSq);
        var (decay, b1c, b2, b2c, eps, step, s) = (
            new Vector<float>(slot.DecayFactor),
            new Vector<float>(slot.Beta1Complement),
            new Vector<float>(slot.Beta2),
            new Vector<float>(slot.Beta2Complement),
            new Vector<float>(slot.EpsilonScaled),
            new Vector<float>(slot.StepSize),
            new Vector<float>(scale)
        );
        for (var i = 0; i < p.Length; i++)
        {
            var grad = g[i] * s;
            var first = m[i] + b1c * (grad - m[i]);
            var second = v[i] * b2 + b2c * grad * grad;
            m[i] = first;
            v[i] = second;
            p[i] = p[i] * decay - step * (first / (Vector.SquareRoot(second) + eps));
        }
        for (var i = p.Length * Vector<float>.Count; i < parameter.Length; i++)
        {
            var grad = gradient[i] * scale;
            var first = expAvg[i] + slot.Beta1Complement * (grad - expAvg[i]);
            var second = expAvgSq[i] * slot.Beta2 + slot.Beta2Complement * grad * grad;
            expAvg[i] = first;
            expAvgSq[i] = second;
            parameter[i] =
                parameter[i] * slot.DecayFactor - slot.StepSize * (first / (MathF.Sqrt(second) + slot.EpsilonScaled));
        }
    }
}
