namespace NlpMtl.Worker.Tests;

public class DataCommandTests
{
    [Fact]
    public async Task ListNamesEverySetWithItsSourceAndChecksum()
    {
        var (exitCode, output, error) = await CommandLineRunner.RunAsync("data", "list");

        Assert.True(exitCode == 0, error);
        foreach (var name in new[] { "sst2", "imdb", "scitldr", "multi30k", "tatoeba", "newstest" })
            Assert.Contains($"{name}: ", output);
        Assert.Contains("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz (sha256:c40f74a1", output);
        Assert.Contains("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip (md5:9f81648d", output);
    }

    [Fact]
    public async Task UnknownSetFailsWithOneLineListingTheKnownOnes()
    {
        var root = Path.Combine(Path.GetTempPath(), $"nlpmtl-data-{Guid.NewGuid():N}");

        var (exitCode, _, error) = await CommandLineRunner.RunAsync("data", "get", "wikitext", "--out", root);

        Assert.Equal(1, exitCode);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains(
            "unknown data set 'wikitext' (known: sst2, imdb, scitldr, multi30k, tatoeba, newstest, or all)",
            error
        );
        Assert.False(Directory.Exists(root));
    }
}
