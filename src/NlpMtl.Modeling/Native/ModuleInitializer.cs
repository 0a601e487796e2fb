using System.Runtime.CompilerServices;

namespace NlpMtl.Modeling.Native;

static class ModelingModuleInitializer
{
    // Deliberate: the native fix must precede TorchSharp's first P/Invoke from this assembly.
#pragma warning disable CA2255
    /// <summary>Every TorchSharp call in this assembly happens after this, so the native fix is applied
    /// first.</summary>
    [ModuleInitializer]
    internal static void Initialize() => TorchSharpNative.EnsureLoadable();
#pragma warning restore CA2255
}
