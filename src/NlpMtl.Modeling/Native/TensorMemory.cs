using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Native;

/// <summary>
/// A CPU tensor's storage as a raw float pointer, for the few loops written in C# (<c>FusedAdamW</c>,
/// <c>FastDropout</c>). libtorch allocates it natively, so it never moves while the tensor lives.
/// </summary>
public static unsafe class TensorMemory
{
    /// <summary>Contiguous float32 on the CPU, small enough for <see cref="Tensor.bytes"/> (a span of int
    /// length).</summary>
    public static bool IsFlatFloat32(Tensor tensor) =>
        tensor.device_type == TorchSharp.DeviceType.CPU
        && tensor.dtype == ScalarType.Float32
        && tensor.is_contiguous()
        && tensor.numel() <= int.MaxValue / sizeof(float);

    /// <summary>The first element of a tensor for which <see cref="IsFlatFloat32"/> holds.</summary>
    public static float* Floats(Tensor tensor) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
