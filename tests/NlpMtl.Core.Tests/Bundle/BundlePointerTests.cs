using NlpMtl.Core.Bundle;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Bundle;

/// <summary>Bundle pointers: published by one rename, resolved relative to the pointer, refused when they name
/// nothing.</summary>
public class BundlePointerTests
{
    static string NewRoot() => Scratch.CreateDirectory("nlpmtl-pointer-").FullName;

    static string NewBundle(string root, string name)
    {
        var folder = Path.Combine(root, "bundles", name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, BundleManifest.FileName), "{}");
        return folder;
    }

    [Fact]
    public void PublishPointsAtTheNewBundleAndLeavesTheOldOne()
    {
        var root = NewRoot();
        var pointer = Path.Combine(root, "current");
        var first = NewBundle(root, "run-1");
        BundlePointer.Publish(pointer, first);
        // relative: the share can move
        Assert.Equal(Path.Combine("bundles", "run-1") + "\n", File.ReadAllText(pointer));
        Assert.Equal(first, BundlePointer.Resolve(pointer));

        var second = NewBundle(root, "run-2");
        BundlePointer.Publish(pointer, second);
        Assert.Equal(second, BundlePointer.Resolve(pointer));
        Assert.True(Directory.Exists(first)); // workers still serving it keep their files
        Assert.Equal(["current"], Directory.GetFiles(root).Select(Path.GetFileName)); // no temporary left
    }

    [Fact]
    public void AFolderResolvesToItselfAndABundleOutsideThePointersFolderIsWrittenAbsolute()
    {
        var root = NewRoot();
        var bundle = NewBundle(root, "run-1");
        Assert.Equal(bundle, BundlePointer.Resolve(bundle));
        var pointer = Path.Combine(root, "elsewhere", "current");
        BundlePointer.Publish(pointer, bundle);
        Assert.Equal(bundle + "\n", File.ReadAllText(pointer));
        Assert.Equal(bundle, BundlePointer.Resolve(pointer));
    }

    [Fact]
    public void PublishingSomethingThatIsNotABundleLeavesThePointerAsItWas()
    {
        var root = NewRoot();
        var pointer = Path.Combine(root, "current");
        BundlePointer.Publish(pointer, NewBundle(root, "run-1"));
        var empty = Directory.CreateDirectory(Path.Combine(root, "bundles", "half-written")).FullName;
        var error = Assert.Throws<IOException>(() => BundlePointer.Publish(pointer, empty));
        Assert.Contains("half-written: not a model bundle", error.Message);
        Assert.Equal(Path.Combine(root, "bundles", "run-1"), BundlePointer.Resolve(pointer));
    }

    [Theory]
    [InlineData("", "not a bundle pointer")]
    [InlineData("bundles/a\nbundles/b", "not a bundle pointer")]
    [InlineData("bundles/missing", "which is not a folder")]
    public void ABadPointerIsNamedInTheError(string content, string expected)
    {
        var root = NewRoot();
        var pointer = Path.Combine(root, "current");
        File.WriteAllText(pointer, content);
        var error = Assert.ThrowsAny<Exception>(() => BundlePointer.Resolve(pointer));
        Assert.StartsWith($"{pointer}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void NothingAtThePathIsABundleNotFound()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"nlpmtl-missing-{Guid.NewGuid():N}");
        Assert.Contains(
            "bundle directory not found",
            Assert.Throws<DirectoryNotFoundException>(() => BundlePointer.Resolve(missing)).Message
        );
    }
}
