using System.Runtime.Intrinsics.X86;

namespace NlpMtl.Core.Hardware;

/// <summary>
/// The CPU a measurement ran on: its model name and the vector features that decide fp32/bf16/int8 speed. Machines
/// that build and run this project differ, so every benchmark prints this beside its figures.
/// </summary>
public sealed record CpuDescription(string Model, int Cores, IReadOnlyList<string> Features)
{
    public static CpuDescription Current { get; } = Detect();

    public override string ToString() =>
        $"{Model}, {Cores} cores, features: "
        + $"{(Features.Count == 0 ? "none of AVX2/AVX-512/VNNI/AMX" : string.Join(' ', Features))}";

    static CpuDescription Detect()
    {
        var features = new List<string>();
        if (Avx2.IsSupported)
            features.Add("AVX2");
        if (Avx512F.IsSupported)
            features.Add("AVX-512F");
        if (Avx512BW.IsSupported)
            features.Add("AVX-512BW");
        if (Avx512Vbmi.IsSupported)
            features.Add("AVX-512VBMI");
        if (AvxVnni.IsSupported)
            features.Add("AVX-VNNI");
        // AVX-512 VNNI/BF16 and AMX have no .NET intrinsics class: Linux names them in /proc/cpuinfo's flags.
        var flags = CpuInfoField("flags")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? [];
        if (flags.Contains("avx512_vnni"))
            features.Add("AVX-512VNNI");
        if (flags.Contains("avx512_bf16"))
            features.Add("AVX-512BF16");
        if (flags.Contains("amx_tile"))
            features.Add("AMX");
        if (flags.Contains("amx_bf16"))
            features.Add("AMX-BF16");
        if (flags.Contains("amx_int8"))
            features.Add("AMX-INT8");
        return new CpuDescription(
            CpuInfoField("model name")
                ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            features
        );
    }

    static string? CpuInfoField(string name)
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == name)
                return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
