using NlpMtl.Core.IO;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.IO;

public sealed class StagedDirectoryTests : IDisposable
{
    readonly string root = Scratch.CreateDirectory("nlpmtl-staged-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    string Target(params string[] files)
    {
        var target = Path.Combine(root, "last");
        Directory.CreateDirectory(target);
        foreach (var file in files)
            File.WriteAllText(Path.Combine(target, file), "old");
        return target;
    }

    [Fact]
    public void WriteReplacesTheWholeFolderAndLeavesNothingBeside()
    {
        var target = Target("weights", "stale");
        StagedDirectory.Write(target, staging => File.WriteAllText(Path.Combine(staging, "weights"), "new"));
        Assert.Equal(["weights"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "weights")));
        Assert.Equal([target], Directory.GetDirectories(root));
    }

    [Fact]
    public void AWriterThatFailsHalfwayLeavesTheOldFolderWhole()
    {
        var target = Target("weights", "optimizer");
        var error = Assert.Throws<IOException>(() => StagedDirectory.Write(target, staging =>
            {
                File.WriteAllText(Path.Combine(staging, "weights"), "new");
                throw new IOException("disk full");
            }));
        Assert.Equal("disk full", error.Message);
        Assert.All(Directory.GetFiles(target), f => Assert.Equal("old", File.ReadAllText(f)));
        Assert.Equal(2, Directory.GetFiles(target).Length);
        Assert.Equal([target], Directory.GetDirectories(root));
    }

    [Fact]
    public void WriteCreatesAMissingTargetAndItsParent()
    {
        var target = Path.Combine(root, "run", "best");
        StagedDirectory.Write(target, staging => File.WriteAllText(Path.Combine(staging, "weights"), "new"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "weights")));
    }

    [Fact]
    public void RecoverPutsBackTheFolderOfASwapCutBetweenItsRenames()
    {
        var target = Target("weights");
        Directory.Move(target, target + StagedDirectory.PreviousSuffix);
        Assert.True(StagedDirectory.Recover(target));
        Assert.Equal("old", File.ReadAllText(Path.Combine(target, "weights")));
        Assert.False(Directory.Exists(target + StagedDirectory.PreviousSuffix));
        Assert.False(StagedDirectory.Recover(target)); // nothing to do when the target is there
    }

    [Fact]
    public void AStalePreviousFolderIsReplacedByTheNextWrite()
    {
        var target = Target("weights");
        Directory.CreateDirectory(target + StagedDirectory.PreviousSuffix);
        StagedDirectory.Write(target, staging => File.WriteAllText(Path.Combine(staging, "weights"), "new"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "weights")));
        Assert.Equal([target], Directory.GetDirectories(root));
    }
}
