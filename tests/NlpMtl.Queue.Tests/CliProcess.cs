using System.Diagnostics;
using NlpMtl.TestSupport;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// Runs the real <c>nlpmtl</c> (its dll comes with the test worker's project reference) as a process, configured
/// through the environment and started in an empty folder (so no appsettings.json is read).
/// </summary>
static class CliProcess
{
    public static string NlpmtlDll => Path.Combine(AppContext.BaseDirectory, "nlpmtl.dll");

    public static Task<(int ExitCode, string Out, string Error)> RunAsync(
        AzuriteFixture azurite,
        string prefix,
        params string[] args
    ) =>
        RunAsync(
            new Dictionary<string, string>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Queue:ContainerPrefix"] = prefix,
            },
            args
        );

    /// <param name="settings">Configuration as <c>Section:Key</c> = value (passed as environment variables).</param>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(
        IReadOnlyDictionary<string, string> settings,
        params string[] args
    )
    {
        var start = new ProcessStartInfo("dotnet", [NlpmtlDll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Scratch.CreateDirectory("nlpmtl-cli-").FullName,
        };
        start.Environment["Storage__MaxRetries"] = "1";
        start.Environment["Storage__RetryDelay"] = "00:00:00.100";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
