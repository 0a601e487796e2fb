using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;

namespace NlpMtl.Modeling.Native;

/// <summary>
/// Makes TorchSharp's native library loadable on systems whose libstdc++ is older than the one it was linked
/// against. TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13) for a single
/// symbol, <c>_ZSt21ios_base_library_initv</c>, an anchor GCC 13 emits for iostream start-up that is never called;
/// Debian 12 ships GLIBCXX_3.4.30, so the dynamic loader refuses the library. When — and only when — the system
/// libstdc++ lacks a version whose symbols are all such never-called anchors, we write a copy of the library with
/// that version need marked weak (VER_FLG_WEAK), which the loader then accepts, and point TorchSharp at the copy.
/// The package's file is never modified.
/// </summary>
public static class TorchSharpNative
{
    const string LibraryName = "LibTorchSharp";
    const string FileName = "libLibTorchSharp.so";

    /// <summary>Symbols that may be left unresolved: referenced at link time, never called.</summary>
    static readonly HashSet<string> NeverCalledSymbols = ["_ZSt21ios_base_library_initv"];

    static readonly Lock Gate = new();
    static string? patchedPath;
    static bool done;

    /// <summary>The patched copy in use, or null when the original loads as it is.</summary>
    public static string? PatchedPath
    {
        get
        {
            EnsureLoadable();
            return patchedPath;
        }
    }

    /// <summary>Idempotent; call before the first TorchSharp call (the Modeling module initializer does).</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (done)
                return;
            done = true;
            if (!OperatingSystem.IsLinux())
                return;
            var original = FindOriginal();
            if (original is null)
                return; // a CUDA or custom build we do not know: let TorchSharp report its own error
            var missing = MissingSystemVersions(original);
            if (missing.Count == 0)
                return;

            var callable = missing.SelectMany(n => n.Symbols).Where(s => !NeverCalledSymbols.Contains(s)).ToList();
            if (callable.Count > 0)
                throw new DllNotFoundException(
                    $"{original} needs {string.Join(", ", missing.Select(n => $"{n.Library} {n.Version}"))}, "
                        + $"which this "
                        + $"system lacks, for symbols that may be called ({string.Join(", ", callable.Take(5))}); "
                        + $"install a newer libstdc++."
                );

            patchedPath = WritePatchedCopy(original, missing);
            PreloadDependencies(Path.GetDirectoryName(original)!);
            var handle = NativeLibrary.Load(patchedPath);
            var torchSharp = typeof(TorchSharp.torch).Assembly;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) =>
                assembly == torchSharp && name is LibraryName or FileName ? handle : IntPtr.Zero;
        }
    }

    /// <summary>The version needs of <paramref name="library"/> that the system's libraries cannot satisfy.</summary>
    public static IReadOnlyList<ElfVersionNeed> MissingSystemVersions(string library) =>
        ElfVersionNeeds.Read(library).Where(n => !n.IsWeak && n.Symbols.Count > 0 && !SystemProvides(n)).ToList();

    /// <summary>
    /// Whether the library the loader would pick for <see cref="ElfVersionNeed.Library"/> defines the version.
    /// A library we cannot open is left to the loader to report.
    /// </summary>
    static bool SystemProvides(ElfVersionNeed need)
    {
        var path = ResolveSystemLibrary(need.Library);
        return path is null || ElfVersionNeeds.ReadDefinitions(path).Contains(need.Version);
    }

    /// <summary>The file the dynamic loader opens for <paramref name="soname"/> (dlopen, then dlinfo), or
    /// null.</summary>
    public static string? ResolveSystemLibrary(string soname)
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(soname, out var handle))
            return null;
        if (dlinfo(handle, RtldDiLinkmap, out var linkMap) != 0 || linkMap == IntPtr.Zero)
            return null;
        // struct link_map { l_addr; char* l_name; … }
        var path = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(linkMap, IntPtr.Size));
        return string.IsNullOrEmpty(path) || !File.Exists(path) ? null : path;
    }

    static string? FindOriginal()
    {
        var baseDir = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDir, FileName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", FileName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    static string WritePatchedCopy(string original, IReadOnlyList<ElfVersionNeed> missing)
    {
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(original)))[..16].ToLowerInvariant();
        var dir = Path.Combine(CacheRoot(), $"libtorchsharp-{hash}");
        var target = Path.Combine(dir, FileName);
        if (File.Exists(target) && MissingSystemVersions(target).Count == 0)
            return target;

        Directory.CreateDirectory(dir);
        // Write beside the target and rename, so concurrent processes never see a half-written library.
        var temp = Path.Combine(dir, $"{FileName}.{Environment.ProcessId}.tmp");
        File.Copy(original, temp, overwrite: true);
        foreach (var need in missing)
            ElfVersionNeeds.MarkWeak(temp, need);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    static string CacheRoot()
    {
        var overridden = Environment.GetEnvironmentVariable("NLPMTL_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(overridden))
            return overridden;
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return Path.Combine(string.IsNullOrEmpty(local) ? Path.GetTempPath() : local, "nlpmtl", "native");
    }

    /// <summary>
    /// The copy lives outside the package folder, so its <c>$ORIGIN</c> run path no longer finds libtorch: load the
    /// dependencies from the original folder first; the loader then matches them by soname.
    /// </summary>
    static void PreloadDependencies(string nativeDir)
    {
        foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(nativeDir, dependency);
            if (File.Exists(path))
                NativeLibrary.Load(path);
        }
    }

    const int RtldDiLinkmap = 2;

    [DllImport("libc.so.6", EntryPoint = "dlinfo")]
    static extern int dlinfo(IntPtr handle, int request, out IntPtr info);
}
