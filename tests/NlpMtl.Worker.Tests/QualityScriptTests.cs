using System.Diagnostics;
using System.Text.RegularExpressions;
using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

/// <summary>scripts/quality.sh's evaluation plan under its TOTAL budget, re-evaluating a finished training
/// (<c>EVAL_ONLY=1</c>) with a stand-in CLI that answers every command at once and logs it.</summary>
public class QualityScriptTests
{
    /// <summary>Each validation set in fp32 and int8: what results.md must always report.</summary>
    static readonly string[] Figures =
    [
        "multi30k",
        "tatoeba",
        "newstest2013",
        "sst2-glue-dev",
        "imdb",
        "scitldr",
        "scitldr-ranked",
        "multi30k-int8",
        "tatoeba-int8",
        "newstest2013-int8",
        "sst2-glue-dev-int8",
        "imdb-int8",
        "scitldr-int8",
    ];

    static readonly string[] Diagnostics =
    [
        "sst2-validation",
        "scitldr-abstractive",
        "multi30k-paragraphs",
        "imdb-first-window",
        "imdb-mean-probabilities",
        "scitldr-lead-256",
        "scitldr-salience-256",
        "newstest2013-pieces-34",
    ];

    readonly string work = Scratch.CreateDirectory("quality-").FullName;
    string Out => Path.Combine(work, "run");
    string CommandLog => Path.Combine(work, "commands.log");

    public QualityScriptTests()
    {
        var train = Path.Combine(Out, "train");
        Directory.CreateDirectory(Path.Combine(train, "last"));
        File.WriteAllText(Path.Combine(train, "last", "config.json"), "{}");
        File.WriteAllText(
            Path.Combine(train, "last", "trainer_state.json"),
            """{"step": 5, "elapsed_seconds": 120, "seed": 42}"""
        );
        // Translation's steps take 1.5, 60 (an evaluation ran before step 4) and 1 seconds; sentiment's one 2.5.
        File.WriteAllLines(
            Path.Combine(train, "metrics.jsonl"),
            [
                Loss(1, "translate", "08:00:00"),
                """{"step":1,"kind":"train","name":"tokens_per_s","value":400,"time":"2026-12-06T08:00:00.1+00:00"}""",
                Loss(2, "sentiment", "08:00:02.5"),
                Loss(3, "translate", "08:00:04"),
                """{"step":3,"kind":"eval","name":"bleu/translate","value":20,"time":"2026-12-06T08:00:50+00:00"}""",
                Loss(4, "translate", "08:01:04"),
                Loss(5, "translate", "08:01:05"),
            ]
        );
        File.WriteAllText(
            Path.Combine(train, "machines.jsonl"),
            """{"from_step":0,"cpu":{"model":"Test CPU","cores":2,"features":["AVX2"]},"""
                + """ "threads":2,"precision_reason":"fp32 (set)"}"""
                + "\n"
        );
        var cli = Path.Combine(work, "nlpmtl-stand-in");
        File.WriteAllText(
            cli,
            """
            #!/usr/bin/env bash
            echo "$*" >> "$COMMAND_LOG"
            case "$1" in
              eval) if [[ " $* " == *" --int8 "* ]]; then
                      case "$*" in
                        *imdb*) echo '{"graphs":"int8","examples":3,"accuracy":49.75}' ;;
                        *) echo '{"graphs":"int8","examples":3,"accuracy":50.75}' ;;
                      esac
                    else echo '{"graphs":"fp32","examples":3,"accuracy":50.5}'; fi ;;
              salience) echo '{"kept":"trained_with_model"}' ;;
            esac
            """
        );
        if (!OperatingSystem.IsWindows()) // the script runs under bash: Linux, macOS or WSL
            File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    (int ExitCode, string Error) Run(string? total)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "quality.sh")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["DATA"] = Path.Combine(work, "data");
        start.Environment["OUT"] = Out;
        start.Environment["EVAL_ONLY"] = "1";
        start.Environment["NLPMTL_CLI"] = Path.Combine(work, "nlpmtl-stand-in");
        start.Environment["COMMAND_LOG"] = CommandLog;
        start.Environment.Remove("MAX_EVAL");
        if (total is null)
            start.Environment.Remove("TOTAL");
        else
            start.Environment["TOTAL"] = total;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.Wait();
        return (process.ExitCode, error);
    }

    static string Loss(int step, string task, string time) =>
        $$"""{"step":{{step}},"kind":"train","name":"loss/{{task}}","value":1,"time":"2026-12-06T{{time}}+00:00"}""";

    bool Evaluated(string name) => File.Exists(Path.Combine(Out, $"eval-{name}.json"));

    [Fact]
    public void PastTheTotalBudgetTheFiguresStillRunAndResultsNameTheSkippedDiagnostics()
    {
        var (exitCode, error) = Run(total: "0");

        Assert.True(exitCode == 0, error);
        Assert.All(Figures, name => Assert.True(Evaluated(name), name));
        Assert.All(Diagnostics, name => Assert.False(Evaluated(name), name));
        var results = File.ReadAllText(Path.Combine(Out, "results.md"));
        Assert.All(Figures.Where(name => !name.EndsWith("-int8", StringComparison.Ordinal)), name =>
            Assert.Contains($"| {name} | fp32 | 3 | accuracy | 50.50 |", results)
        );
        Assert.Contains("| tatoeba-int8 | int8 | 3 | accuracy | 50.75 |", results);
        // Each set's int8 figure against its fp32 one, and the largest gap whatever its sign.
        Assert.Contains(
            "- int8 − fp32: multi30k accuracy +0.25, tatoeba accuracy +0.25, newstest2013 accuracy +0.25, "
                + "sst2-glue-dev accuracy +0.25, imdb accuracy −0.75, scitldr accuracy +0.25; largest 0.75 (imdb).",
            results
        );
        Assert.Contains($"Not run, the run having passed TOTAL=0 minutes: {string.Join(' ', Diagnostics)}.", results);
        // The stand-in answers at once; a loaded machine may still cross a second's boundary.
        var timings = string.Join(", ", Figures.Select(name => Regex.Escape(name) + @" [0-9]+"));
        Assert.Matches($@"- Seconds each evaluation took: {timings}\.", results);
        Assert.Contains("- Training: 5 steps (sentiment 1, translate 4) in 2.0 minutes, seed 42.", results);
        Assert.Contains("- Median seconds per step: sentiment 2.50, translate 1.50.", results);
        // Export, then the ranker, then translation first among the evaluations.
        var commands = File.ReadAllLines(CommandLog);
        Assert.StartsWith("export ", commands[0]);
        Assert.Contains("--quantize int8 --int8-exclude ffn-output", commands[0]);
        Assert.StartsWith("salience ", commands[1]);
        // The kept ranker's validation figure is the scitldr-ranked evaluation, not a second pass in salience.
        Assert.DoesNotContain("--validation", commands[1]);
        Assert.Contains("--summary-style Ranked", commands.Single(c => c.Contains("Ranked")));
        Assert.DoesNotContain("| salience", results);
        Assert.StartsWith("eval --bundle", commands[2]);
        Assert.Contains("--task translate", commands[2]);
        Assert.Equal(2 + Figures.Length, commands.Length);
    }

    [Fact]
    public void WithinTheDefaultBudgetEveryEvaluationRuns()
    {
        var (exitCode, error) = Run(total: null);

        Assert.True(exitCode == 0, error);
        Assert.All(Figures.Concat(Diagnostics), name => Assert.True(Evaluated(name), name));
        var results = File.ReadAllText(Path.Combine(Out, "results.md"));
        Assert.DoesNotContain("Not run", results);
        Assert.Contains("| scitldr-salience-256 | fp32 | 3 | accuracy | 50.50 |", results);
    }

    [Fact]
    public void ATrainingWithoutAMachineLogStillGetsItsResults()
    {
        File.Delete(Path.Combine(Out, "train", "machines.jsonl"));

        var (exitCode, error) = Run(total: "0");

        Assert.True(exitCode == 0, error);
        var results = File.ReadAllText(Path.Combine(Out, "results.md"));
        Assert.Contains("- Machine: not recorded (no machines.jsonl).", results);
        Assert.Contains("| scitldr-int8 | int8 | 3 | accuracy | 50.75 |", results);
    }

    [Fact]
    public void ATotalThatIsNotMinutesFailsBeforeAnyWork()
    {
        var (exitCode, error) = Run(total: "2h");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("TOTAL=2h", error);
        Assert.False(File.Exists(CommandLog));
    }
}
