using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// Mixed-precision training, as PyTorch's CPU autocast does it: inside <see cref="Autocast"/> the matrix products
/// (every linear layer, the attention products, the tied output projection) run in the compute type, bfloat16, while
/// parameters, LayerNorm, softmax, dropout, losses and the optimizer stay float32. Each product's output is cast back
/// to float32, so the modules between products never see bfloat16. Why: on CPUs with AMX or AVX512-BF16 libtorch's
/// oneDNN runs bfloat16 GEMMs several times faster than float32 (docs/benchmarks.md), and bfloat16 has float32's
/// exponent range, so no loss scaling is needed.
/// TorchSharp has no <c>torch.autocast</c>, so the modules ask this class; outside a scope (evaluation, export
/// parity, generation) everything is float32 exactly as before.
/// </summary>
public static class MixedPrecision
{
    [ThreadStatic]
    static ScalarType? computeType;

    /// <summary>The type matrix products run in on this thread, or null for the parameters' own type.</summary>
    public static ScalarType? ComputeType => computeType;

    /// <summary>Runs the matrix products of this thread in <paramref name="type"/> until disposed (null: no
    /// change).</summary>
    public static IDisposable Autocast(ScalarType? type)
    {
        var previous = computeType;
        computeType = type ?? previous;
        return new Restore(previous);
    }

    public const string Float32 = "fp32";
    public const string BFloat16 = "bf16";

    /// <summary>Decided on the machine at the start of a run (see <c>PrecisionChoice</c>).</summary>
    public const string Auto = "auto";

    /// <summary>A fixed precision name: "fp32" (none) or "bf16"; anything else is an error naming it.</summary>
    public static ScalarType? Parse(string precision) =>
        precision switch
        {
            Float32 => null,
            BFloat16 => ScalarType.BFloat16,
            _ => throw new InvalidDataException($"precision '{precision}' is not supported ({Float32}, {BFloat16})"),
        };

    /// <summary><c>layer(input)</c>, with the product in the compute type when one is set; the result is
    /// float32.</summary>
    public static Tensor Apply(Linear layer, Tensor input) => Linear(input, layer.weight!, layer.bias);

    /// <summary><c>input · weightᵀ + bias</c>, with the product in the compute type when one is set.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        if (computeType is not { } type)
            return functional.linear(input, weight, bias);
        return functional.linear(input.to(type), weight.to(type), bias?.to(type)).to(weight.dtype);
    }

    /// <summary>A tensor in the compute type for a product (itself when none is set).</summary>
    public static Tensor ForProduct(Tensor tensor) => computeType is { } type ? tensor.to(type) : tensor;

    /// <summary>
    /// How much faster a feed-forward-sized product (1024×384·384×1536) runs in <paramref name="type"/> than in float32
    /// on this machine, best of a few runs (~50 ms). Below 1 the CPU emulates the type (no AMX or AVX512-BF16).
    /// </summary>
    public static double MeasureSpeedup(ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (a, b) = (randn(1024, 384), randn(384, 1536));
        double Best(Tensor x, Tensor y)
        {
            var best = double.MaxValue;
            for (var i = 0; i < 6; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                x.matmul(y).Dispose();
                if (i > 0)
                    best = Math.Min(best, watch.Elapsed.TotalSeconds); // the first run warms the kernel up
            }
            return best;
        }
        return Best(a, b) / Best(a.to(type), b.to(type));
    }

    sealed class Restore(ScalarType? previous) : IDisposable
    {
        public void Dispose() => computeType = previous;
    }
}
