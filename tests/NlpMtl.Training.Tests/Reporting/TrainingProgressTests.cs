using NlpMtl.Training.Reporting;

namespace NlpMtl.Training.Tests.Reporting;

public class TrainingProgressTests
{
    /// <summary>A clock the test moves by hand.</summary>
    sealed class ManualClock : TimeProvider
    {
        public TimeSpan Now { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now.Ticks;
    }

    static Dictionary<string, double> Losses(double sentiment, double translate) =>
        new() { ["sentiment"] = sentiment, ["translate"] = translate };

    [Fact]
    public void PlainModePrintsLossesStepsPerSecondAndEta()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using (
            var progress = new TrainingProgress(maxSteps: 100, timeBudget: null, output, clock)
            {
                PlainInterval = TimeSpan.Zero,
            }
        )
        {
            Assert.False(progress.IsLive);
            progress.Report(1, Losses(0.7, 5.0), 1e-5, tokensInStep: 512);
            clock.Now = TimeSpan.FromSeconds(2);
            progress.Report(5, Losses(0.7, 5.0), 2e-5, tokensInStep: 512);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("step 1/100 (1.0%)", lines[0]);
        Assert.Contains("- steps/s", lines[0]);
        // 4 steps and 512 tokens in 2 s; 95 steps left at 2 steps/s.
        Assert.Equal(
            "step 5/100 (5.0%) | loss sentiment=0.7000 translate=5.0000 | 2.00 steps/s | 256 tokens/s | lr "
                + "2.00e-05 | elapsed 0:00:02 | ETA 0:00:47",
            lines[1]
        );
    }

    [Fact]
    public void LossIsAnExponentialMovingAveragePerTask()
    {
        var output = new StringWriter();
        using (
            var progress = new TrainingProgress(10, null, output, new ManualClock()) { PlainInterval = TimeSpan.Zero }
        )
        {
            progress.Report(1, Losses(1.0, 4.0), 1e-5, 10);
            progress.Report(2, new Dictionary<string, double> { ["sentiment"] = 0.0 }, 1e-5, 10);
        }

        // 0.95·1.0 + 0.05·0.0; the task missing from step 2 keeps its average.
        Assert.Contains("loss sentiment=0.9500 translate=4.0000", output.ToString().Split('\n')[1]);
    }

    [Fact]
    public void PlainLinesAreRateLimitedButTheLastStepIsAlwaysPrinted()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using (
            var progress = new TrainingProgress(1000, null, output, clock) { PlainInterval = TimeSpan.FromSeconds(10) }
        )
        {
            for (var step = 1; step <= 30; step++)
            {
                clock.Now = TimeSpan.FromSeconds(step);
                progress.Report(step, Losses(0.5, 3.0), 1e-5, 100);
            }
        }

        var steps = output
            .ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[1])
            .ToList();
        Assert.Equal(["1/1000", "11/1000", "21/1000", "30/1000"], steps);
    }

    [Fact]
    public void TimeBudgetBoundsTheEtaUntilTheLastStepMovesBeforeIt()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using (
            var progress = new TrainingProgress(1_000_000, TimeSpan.FromMinutes(10), output, clock)
            {
                PlainInterval = TimeSpan.Zero,
            }
        )
        {
            progress.Report(1, Losses(0.5, 3.0), 1e-5, 100);
            clock.Now = TimeSpan.FromMinutes(1);
            progress.Report(61, Losses(0.5, 3.0), 1e-5, 100);
            // The trainer's estimate: 200 steps fit the budget at this speed, long before the ceiling of a million.
            progress.UpdateMaxSteps(200);
            clock.Now = TimeSpan.FromSeconds(61);
            progress.Report(62, Losses(0.5, 3.0), 1e-5, 100);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("step 61/1000000 (0.0%)", lines[1]);
        Assert.EndsWith("ETA 0:09:00 (time budget)", lines[1]);
        // 138 steps left at 1 step/s.
        Assert.StartsWith("step 62/200 (31.0%)", lines[2]);
        Assert.EndsWith("ETA 0:02:18", lines[2]);
    }

    [Fact]
    public void EvaluationIsPrintedAtOnce()
    {
        var output = new StringWriter();
        using (var progress = new TrainingProgress(100, null, output, new ManualClock()))
            progress.ReportEval(
                50,
                new Dictionary<string, double> { ["translate/bleu"] = 12.345, ["sentiment/accuracy"] = 0.8 }
            );

        Assert.Equal("eval step 50 | sentiment/accuracy=0.8000 translate/bleu=12.3450", output.ToString().TrimEnd());
    }
}
