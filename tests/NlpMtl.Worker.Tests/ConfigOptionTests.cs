using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

/// <summary>A <c>--config</c> that is not a file: one line naming the option, before anything loads.</summary>
public class ConfigOptionTests
{
    [Fact]
    public async Task ConfigFolderOrMissingFileIsNamedPlainly()
    {
        var folder = Scratch.CreateDirectory("nlpmtl-config-").FullName;
        var (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "train",
            "--config",
            folder,
            "--out",
            Path.Combine(folder, "run")
        );
        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"nlpmtl: --config {folder} is a directory; give a training config file (e.g. configs/demo.json)",
            error.TrimEnd()
        );

        var missing = Path.Combine(folder, "missing.json");
        (exitCode, _, error) = await CommandLineRunner.RunAsync(
            "train",
            "--config",
            missing,
            "--out",
            Path.Combine(folder, "run")
        );
        Assert.Equal(1, exitCode);
        Assert.Equal($"nlpmtl: --config {missing}: no such file", error.TrimEnd());
        Directory.Delete(folder, recursive: true);
    }
}
