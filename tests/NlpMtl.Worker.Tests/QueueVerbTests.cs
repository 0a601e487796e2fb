namespace NlpMtl.Worker.Tests;

/// <summary>The queue verbs' configuration errors: one line on stderr, exit 1, before touching storage.</summary>
[Trait("Category", "Integration")]
public class QueueVerbTests
{
    [Fact]
    public async Task StatusWithoutStorageSettingsFailsWithOneLine()
    {
        var (exitCode, _, error) = await CommandLineRunner.RunAsync("status");
        Assert.Equal(1, exitCode);
        Assert.Contains("Storage:ConnectionString", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task LeaseOutsideAzuresRangeIsRejected()
    {
        Environment.SetEnvironmentVariable("Storage__ConnectionString", "UseDevelopmentStorage=true");
        Environment.SetEnvironmentVariable("Queue__LeaseSeconds", "5");
        try
        {
            var (exitCode, _, error) = await CommandLineRunner.RunAsync("status");
            Assert.Equal(1, exitCode);
            Assert.Contains("LeaseSeconds", error);
            // settings values, secrets included, are never echoed
            Assert.DoesNotContain("UseDevelopmentStorage", error);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Storage__ConnectionString", null);
            Environment.SetEnvironmentVariable("Queue__LeaseSeconds", null);
        }
    }
}
