using System.Diagnostics;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Worker.Tests;

/// <summary>
/// <c>predict</c> interrupted mid-run (on the class's tiny bundle): Ctrl+C/SIGTERM cancel the verb's token, and the
/// verb gets long enough to stop on its own.
/// </summary>
public partial class PredictEvalCommandTests
{
    [Fact]
    public async Task InterruptedPredictLeavesNoPartialOutputAndSaysSoOnce()
    {
        var input = Path.Combine(tiny.Root, "many.txt");
        await File.WriteAllLinesAsync(
            input,
            Enumerable.Range(0, 20_000).Select(i => $"document {i} says the film was rather good .")
        );
        var output = Path.Combine(tiny.Root, "interrupted.jsonl");
        var parse = NlpMtlCommandLine
            .Build()
            .Parse([
                "predict",
                "--bundle",
                tiny.Bundle,
                "--task",
                "summarize",
                "--input",
                input,
                "--output",
                output,
                "--threads",
                "1",
            ]);
        // Killed 2 s after the signal (System.CommandLine's default), predict left its partial file and printed
        // nothing.
        Assert.True(NlpMtlCommandLine.InvocationFor(parse).ProcessTerminationTimeout >= TimeSpan.FromSeconds(30));

        using var interrupt = new CancellationTokenSource();
        var run = Task.Run(() => CommandLineRunner.RunAsync(parse, interrupt.Token)); // the verb runs synchronously
        var watch = Stopwatch.StartNew();
        while (!File.Exists(output + ".partial") && !run.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(180))
            await Task.Delay(20);
        Assert.True(
            File.Exists(output + ".partial") && !run.IsCompleted,
            $"no partial output while running ({watch.Elapsed})"
        );
        await interrupt.CancelAsync();
        var (exitCode, stdout, error) = await run;

        Assert.Equal(130, exitCode);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("nlpmtl: cancelled", lines[^1]);
        Assert.Single(lines, l => l.Contains("cancelled"));
        Assert.DoesNotContain("Predicted", stdout);
        Assert.False(File.Exists(output + ".partial"));
        Assert.False(File.Exists(output));
    }
}
