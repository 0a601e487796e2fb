using System.Diagnostics;
using NlpMtl.TestSupport;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Worker.Tests;

[Trait("Category", "Integration")]
public class TrainCommandTests
{
    [Fact]
    public async Task BadConfigFailsWithOneLineNamingTheField()
    {
        var directory = Scratch.CreateDirectory("nlpmtl-train-").FullName;
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
        var directory = Scratch.CreateDirectory("nlpmtl-train-").FullName;
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

    [Fact]
    public async Task InterruptedTrainingSavesLastAndSaysHowToResume()
    {
        // Ctrl+C/SIGTERM cancel the verb's token; train finishes its step, saves OUT/last and exits 130, within the
        // time the command line gives it (System.CommandLine's default 2 s would end the process mid-save).
        var directory = Scratch.CreateDirectory("nlpmtl-train-").FullName;
        try
        {
            var output = Path.Combine(directory, "out");
            var demoConfig = Path.Combine(AppContext.BaseDirectory, "configs", "demo.json");
            var parse = NlpMtlCommandLine.Build().Parse(["train", "--config", demoConfig, "--out", output]);
            Assert.True(NlpMtlCommandLine.InvocationFor(parse).ProcessTerminationTimeout >= TimeSpan.FromSeconds(60));

            using var interrupt = new CancellationTokenSource();
            var run = Task.Run(() => CommandLineRunner.RunAsync(parse, interrupt.Token));
            var metrics = Path.Combine(output, "metrics.jsonl");
            var watch = Stopwatch.StartNew();
            while (
                !(File.Exists(metrics) && new FileInfo(metrics).Length > 0)
                && !run.IsCompleted
                && watch.Elapsed < TimeSpan.FromSeconds(180)
            )
                await Task.Delay(50);
            Assert.False(run.IsCompleted, $"training ended before it could be interrupted ({watch.Elapsed})");
            await interrupt.CancelAsync();
            var (exitCode, stdout, error) = await run;

            Assert.Equal(130, exitCode);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("nlpmtl: cancelled", lines[^1]);
            Assert.Contains(lines, l => l.Contains("training stopped at step") && l.Contains("--resume"));
            Assert.DoesNotContain("Trained", stdout);
            var state = NlpMtl.Training.TrainerState.Load(Path.Combine(output, "last"));
            Assert.InRange(state.Step, 1, 499);
            Assert.Equal(42, state.Seed);

            // A resumed run keeps the seed it started with: another --seed is refused in one line naming the state.
            var (resumeExit, _, resumeError) = await CommandLineRunner.RunAsync(
                "train",
                "--config",
                demoConfig,
                "--out",
                output,
                "--resume",
                "--seed",
                "43"
            );
            Assert.Equal(1, resumeExit);
            Assert.Contains(
                $"--seed 43: {Path.Combine(output, "last", "trainer_state.json")} was trained with seed 42",
                resumeError
            );
            Assert.Equal(state.Step, NlpMtl.Training.TrainerState.Load(Path.Combine(output, "last")).Step);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
