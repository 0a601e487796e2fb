namespace NlpMtl.Worker.Tests;

[Trait("Category", "Integration")]
public class TrainCommandTests
{
    [Fact]
    public async Task BadConfigFailsWithOneLineNamingTheField()
    {
        var directory = Directory.CreateTempSubdirectory("nlpmtl-train-").FullName;
        try
        {
            var config = Path.Combine(directory, "bad.json");
            File.WriteAllText(
                config,
                """{ "tasks": { "sentiment": { "train": "x.tsv" } }, "sampling": { "method": "roulette" } }"""
            );

            var (exitCode, _, error) = await CommandLineRunner.RunAsync(
                "train",
                "--config",
                config,
                "--out",
                Path.Combine(directory, "out")
            );

            Assert.Equal(1, exitCode);
            Assert.Contains("sampling.method 'roulette'", error);
            Assert.Contains(config, error);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task UnknownConfigFieldIsRejected()
    {
        var directory = Directory.CreateTempSubdirectory("nlpmtl-train-").FullName;
        try
        {
            var config = Path.Combine(directory, "typo.json");
            File.WriteAllText(config, """{ "tasks": { "sentiment": { "train": "x.tsv" } }, "max_setps": 10 }""");

            var (exitCode, _, error) = await CommandLineRunner.RunAsync(
                "train",
                "--config",
                config,
                "--out",
                Path.Combine(directory, "out")
            );

            Assert.Equal(1, exitCode);
            Assert.Contains("max_setps", error);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
