using NlpMtl.Core.Bundle;
using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

/// <summary>
/// <c>nlpmtl demo</c> needs no checkout: its config, samples and tokenizers ship beside the program, and it starts the
/// Azurite that <c>NLPMTL_AZURITE</c> names. Run here with a two-step fine-tune, from the test's output folder.
/// </summary>
[Trait("Category", "Integration")]
[Collection(TorchCollection.Name)]
public class DemoCommandTests
{
    [Fact]
    public async Task DemoRunsFromTheShippedInputsAndServesEveryDocument()
    {
        var work = Scratch.CreateDirectory("nlpmtl-demo-").FullName;
        var azurite = Path.Combine(RepoPaths.Root, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");
        Assert.True(File.Exists(azurite), $"{azurite}: run scripts/azurite.sh install (scripts/test.sh does)");
        var saved = Environment.GetEnvironmentVariable("NLPMTL_AZURITE");
        Environment.SetEnvironmentVariable("NLPMTL_AZURITE", azurite);
        try
        {
            var (exitCode, _, error) = await CommandLineRunner.RunAsync("demo", "--work", work, "--max-steps", "2");
            Assert.True(exitCode == 0, error);
            var manifest = BundleManifest.Load(Path.Combine(work, "bundle"));
            Assert.Equal(["sentiment", "summarize", "translate"], manifest.Tasks);
            Assert.True(File.Exists(Path.Combine(work, "train", "best", "heads.json")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("NLPMTL_AZURITE", saved);
            Directory.Delete(work, recursive: true);
        }
    }
}
