using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NlpMtl.Worker.Emulator;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// One test worker process (the real <c>serve</c> pipeline, a fake processor) configured through the environment,
/// with its log lines kept for assertions and a way to SIGTERM or SIGKILL it.
/// </summary>
sealed partial class WorkerProcess : IAsyncDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> lines = new();

    WorkerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lines.Enqueue(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lines.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The test worker's dll, built by the project reference into this assembly's folder.</summary>
    static readonly string TestWorkerDll = Path.Combine(AppContext.BaseDirectory, "NlpMtl.Queue.TestWorker.dll");

    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public string Log => string.Join('\n', lines);
    public IEnumerable<string> Lines => lines;

    /// <param name="settings">Configuration as <c>Section:Key</c> = value (passed as environment variables).</param>
    public static WorkerProcess Start(
        AzuriteFixture azurite,
        string prefix,
        IReadOnlyDictionary<string, string>? settings = null
    )
    {
        var start = new ProcessStartInfo("dotnet", [TestWorkerDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:MaxRetries"] = "2",
            ["Storage:RetryDelay"] = "00:00:00.200",
            ["Storage:MaxRetryDelay"] = "00:00:01",
            ["Storage:NetworkTimeout"] = "00:00:05",
            ["Queue:ContainerPrefix"] = prefix,
            ["Queue:LeaseSeconds"] = "15",
            ["Queue:MinPollMs"] = "50",
            ["Queue:MaxPollMs"] = "500",
            ["Queue:MaxBatchDelayMs"] = "5",
            ["HostOptions:ShutdownTimeout"] = "00:00:10",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:NlpMtl"] = "Debug",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            environment[key] = value;
        foreach (var (key, value) in environment)
            start.Environment[key.Replace(":", "__")] = value;
        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>Lease ids this worker logged when claiming <paramref name="job"/>.</summary>
    public IReadOnlyList<string> LeasesOf(string job) =>
        [
            .. lines
                .Select(l => ClaimedLine().Match(l))
                .Where(m => m.Success && m.Groups[1].Value == job)
                .Select(m => m.Groups[3].Value),
        ];

    public int Count(string text) => lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    public async Task<bool> WaitForLogAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (lines.Any(predicate))
                return true;
            if (process.HasExited)
                return lines.Any(predicate);
            await Task.Delay(50);
        }
        return false;
    }

    public void Terminate() => Signals.Terminate(process.Id);

    public void KillHard() => process.Kill(); // SIGKILL: no cleanup, the lease stays until it expires

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    [GeneratedRegex(@"Claimed (\S+) \(attempt (\d+), lease ([0-9a-fA-F-]+)\)")]
    private static partial Regex ClaimedLine();
}
