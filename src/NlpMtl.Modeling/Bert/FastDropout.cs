using NlpMtl.Core.Numerics;
using NlpMtl.Modeling.Native;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Bert;

/// <summary> nn.Dropout with a cheaper random mask on the CPU. libtorch draws a CPU dropout mask from its sequential
/// Mersenne twister one element at a time, which made dropout the largest single cost of a training step — more than
/// the matrix products it follows (docs/training.md). Here each element's keep/drop bit comes from a counter-based hash
/// (<see cref="SplitMix64.Mix"/> of seed + index), which all cores fill in parallel. The seed is drawn from torch's
/// generator, so <c>manual_seed</c> still makes a run (and a resumed run) repeat exactly. Same semantics as nn.Dropout:
/// in training, each element is zeroed with probability p (to 2⁻³²) and the survivors scaled by 1/(1 − p); identity in
/// eval mode, with p = 0, and off the CPU it is libtorch's own dropout. </summary>
public sealed class FastDropout(double probability) : nn.Module<Tensor, Tensor>(nameof(FastDropout))
{
    public double Probability { get; set; } = probability;

    public override Tensor forward(Tensor input) => training ? Apply(input, Probability) : input.alias();

    /// <summary>Dropout of <paramref name="input"/> in training mode.</summary>
    public static Tensor Apply(Tensor input, double probability)
    {
        if (probability <= 0)
            return input.alias();
        if (probability >= 1)
            return zeros_like(input);
        if (input.device_type != TorchSharp.DeviceType.CPU || input.dtype != ScalarType.Float32)
            return nn.functional.dropout(input, probability, training: true);
        using var mask = KeepMask(input.shape, probability);
        return input * mask;
    }

    /// <summary>A float32 tensor of 0 (probability p) and 1/(1 − p).</summary>
    public static Tensor KeepMask(long[] shape, double probability)
    {
        var mask = empty(shape, ScalarType.Float32);
        var length = mask.numel();
        if (length == 0)
            return mask;
        ulong seed;
        using (var draw = randint(long.MaxValue, [1], dtype: ScalarType.Int64))
            seed = (ulong)draw.item<long>();
        var threshold = (ulong)Math.Round(probability * 4294967296.0); // drop when the 32-bit draw is below p·2³²
        var kept = (float)(1 / (1 - probability));
        Fill(mask, length, seed, threshold, kept);
        return mask;
    }

    static unsafe void Fill(Tensor mask, long length, ulong seed, ulong threshold, float kept)
    {
        var data = TensorMemory.Floats(mask);
        const long chunk = 1 << 16; // even, so every chunk starts on a whole 64-bit draw
        var chunks = (int)((length + chunk - 1) / chunk);
        Parallel.For(0, chunks, c =>
        {
            var (start, end) = (c * chunk, Math.Min(length, (c + 1) * chunk));
            for (var i = start; i < end; i += 2)
            {
                var bits = SplitMix64.Mix(seed + (ulong)(i >> 1) * SplitMix64.Increment);
                data[i] = (bits & 0xFFFFFFFFUL) < threshold ? 0f : kept;
                if (i + 1 < end)
                    data[i + 1] = (bits >> 32) < threshold ? 0f : kept;
            }
        });
    }
}
