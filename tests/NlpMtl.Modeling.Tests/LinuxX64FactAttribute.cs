using System.Runtime.InteropServices;

namespace NlpMtl.Modeling.Tests;

/// <summary>A fact about the Linux x64 native build of TorchSharp; skipped, with the reason shown, elsewhere.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Skip = "libLibTorchSharp.so's ELF version needs exist only on Linux x64";
    }
}
