using NlpMtl.Modeling.Native;

namespace NlpMtl.Modeling.Tests;

[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class NativeLibraryPatchTests
{
    static string OriginalLibrary()
    {
        var path = new[] { "libLibTorchSharp.so", "runtimes/linux-x64/native/libLibTorchSharp.so" }
            .Select(p => Path.Combine(AppContext.BaseDirectory, p))
            .FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"libLibTorchSharp.so not found under {AppContext.BaseDirectory}");
        return path!;
    }

    [LinuxX64Fact]
    public void ReadsTheGlibcxxNeedOfTheNeverCalledSymbol()
    {
        var needs = ElfVersionNeeds.Read(OriginalLibrary());

        var need = Assert.Single(needs, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.Equal(["_ZSt21ios_base_library_initv"], need.Symbols);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Library == "libc.so.6");
    }

    [LinuxX64Fact]
    public void MarkWeakSetsOnlyThatEntrysFlag()
    {
        var copy = Path.GetTempFileName();
        try
        {
            File.Copy(OriginalLibrary(), copy, overwrite: true);
            var before = File.ReadAllBytes(copy);
            var need = ElfVersionNeeds.Read(copy).Single(n => n.Version == "GLIBCXX_3.4.32");

            ElfVersionNeeds.MarkWeak(copy, need);

            var after = File.ReadAllBytes(copy);
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
            Assert.Equal([need.FlagsOffset], changed.Select(i => (long)i));
            Assert.All(ElfVersionNeeds.Read(copy), n =>
                Assert.Equal(n.Version == "GLIBCXX_3.4.32" || n.IsWeak, n.IsWeak)
            );
            Assert.Empty(TorchSharpNative.MissingSystemVersions(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [LinuxX64Fact]
    public void PatchesOnlyWhenTheSystemLacksTheVersion()
    {
        var libstdcxx = TorchSharpNative.ResolveSystemLibrary("libstdc++.so.6");
        Assert.NotNull(libstdcxx);
        var systemHasIt = ElfVersionNeeds.ReadDefinitions(libstdcxx!).Contains("GLIBCXX_3.4.32");

        var missing = TorchSharpNative.MissingSystemVersions(OriginalLibrary());

        Assert.Equal(!systemHasIt, missing.Any(n => n.Version == "GLIBCXX_3.4.32"));
        Assert.Equal(!systemHasIt, TorchSharpNative.PatchedPath is not null);
        Assert.All(missing, n => Assert.Equal("GLIBCXX_3.4.32", n.Version));
    }
}
