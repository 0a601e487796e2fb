using NlpMtl.Core.Hardware;
using NlpMtl.Modeling.Bert;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>
/// The type a run's matrix products use, decided on the machine it runs on. CPUs differ by two orders of magnitude
/// here (bfloat16 is several times float32's speed with AMX, a hundredth of it where libtorch emulates the type), so
/// no config can fix it: <c>auto</c> measures and takes bfloat16 only where it pays; explicit <c>bf16</c> on a CPU
/// that emulates it stops before training rather than run a hundred times slower.
/// </summary>
public sealed record PrecisionChoice(ScalarType? ComputeType, string Name, string Reason)
{
    /// <summary>bfloat16 must be at least this much faster than float32 for <c>auto</c> to take it.</summary>
    public const double MinimumSpeedup = 1.2;

    /// <param name="precision">The config's <c>precision</c>: <c>auto</c>, <c>fp32</c> or <c>bf16</c>.</param>
    /// <param name="measureBf16Speedup">bfloat16's speed as a multiple of float32's (a product measured now by
    /// default).</param>
    public static PrecisionChoice Resolve(string precision, Func<double>? measureBf16Speedup = null)
    {
        measureBf16Speedup ??= () => MixedPrecision.MeasureSpeedup(ScalarType.BFloat16);
        switch (precision)
        {
            case MixedPrecision.Float32:
                return new PrecisionChoice(null, MixedPrecision.Float32, "precision fp32 (set in the config)");
            case MixedPrecision.BFloat16:
            {
                var speedup = measureBf16Speedup();
                if (speedup < 1.0)
                    throw new InvalidOperationException(
                        $"precision bf16: this CPU emulates bfloat16 ({speedup:F2}× the float32 speed; "
                            + $"{CpuDescription.Current}); "
                            + "set \"precision\": \"auto\" or \"fp32\""
                    );
                return new PrecisionChoice(
                    ScalarType.BFloat16,
                    MixedPrecision.BFloat16,
                    $"precision bf16 (set in the config): matrix products in bfloat16, {speedup:F1}× the float32 "
                        + $"speed here"
                );
            }
            case MixedPrecision.Auto:
            {
                var speedup = measureBf16Speedup();
                return speedup >= MinimumSpeedup
                    ? new PrecisionChoice(
                        ScalarType.BFloat16,
                        MixedPrecision.BFloat16,
                        $"precision auto → bf16: bfloat16 products are {speedup:F1}× the float32 speed on this CPU"
                    )
                    : new PrecisionChoice(
                        null,
                        MixedPrecision.Float32,
                        $"precision auto → fp32: bfloat16 products would be {speedup:F2}× the float32 speed on "
                            + $"this CPU (bf16 needs ≥ {MinimumSpeedup}×)"
                    );
            }
            default:
                throw new InvalidDataException(
                    $"precision '{precision}' is not supported ({MixedPrecision.Auto}, {MixedPrecision.Float32}, "
                        + $"{MixedPrecision.BFloat16})"
                );
        }
    }
}
