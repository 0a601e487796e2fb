using System.Globalization;

namespace NlpMtl.Training.Reporting;

/// <summary>
/// What <see cref="TrainingProgress"/> shows, kept apart from how it is shown: per-task loss EMAs, throughput over
/// the recent reports, ETA, the latest evaluation. Not thread-safe; the owner locks.
/// </summary>
internal sealed class ProgressState(long maxSteps, TimeSpan? timeBudget)
{
    // Weight of the newest loss in the EMA: about the last 20 steps count.
    const double LossWeight = 0.05;

    // Throughput over the last reports, not since the start: an evaluation pause or a resume should not skew it.
    const int WindowSize = 50;

    readonly Queue<(long Step, long Tokens, TimeSpan Time)> window = new();
    long tokens;

    public long MaxSteps { get; set; } = maxSteps;
    public long Step { get; private set; } = -1;
    public SortedDictionary<string, double> Losses { get; } = new(StringComparer.Ordinal);
    public double LearningRate { get; private set; }
    public TimeSpan Elapsed { get; private set; }
    public double? StepsPerSecond { get; private set; }
    public double? TokensPerSecond { get; private set; }
    public long? EvalStep { get; private set; }
    public SortedDictionary<string, double> Eval { get; } = new(StringComparer.Ordinal);

    public void Update(
        long step,
        IReadOnlyDictionary<string, double> taskLosses,
        double learningRate,
        long tokensInStep,
        TimeSpan elapsed
    )
    {
        Step = step;
        LearningRate = learningRate;
        Elapsed = elapsed;
        foreach (var (task, loss) in taskLosses)
            Losses[task] = Losses.TryGetValue(task, out var average)
                ? (1 - LossWeight) * average + LossWeight * loss
                : loss;

        tokens += tokensInStep;
        window.Enqueue((step, tokens, elapsed));
        if (window.Count > WindowSize)
            window.Dequeue();
        var (firstStep, firstTokens, firstTime) = window.Peek();
        var seconds = (elapsed - firstTime).TotalSeconds;
        if (window.Count > 1 && seconds > 0)
        {
            StepsPerSecond = (step - firstStep) / seconds;
            // The first report's tokens were spent before the window's start time.
            TokensPerSecond = (tokens - firstTokens) / seconds;
        }
    }

    public void UpdateEval(long step, IReadOnlyDictionary<string, double> metrics)
    {
        EvalStep = step;
        Eval.Clear();
        foreach (var (name, value) in metrics)
            Eval[name] = value;
    }

    public double? Fraction => MaxSteps > 0 && Step >= 0 ? Math.Clamp((double)Step / MaxSteps, 0, 1) : null;

    /// <summary>Time left: to <see cref="MaxSteps"/> at the current rate, or to the time budget if that ends
    /// first.</summary>
    public (TimeSpan Remaining, bool ByBudget)? Eta
    {
        get
        {
            TimeSpan? bySteps =
                MaxSteps > 0 && StepsPerSecond is > 0 and var rate
                    ? TimeSpan.FromSeconds(Math.Max(0, MaxSteps - Step) / rate)
                    : null;
            TimeSpan? byBudget = timeBudget is { } budget
                ? (budget > Elapsed ? budget - Elapsed : TimeSpan.Zero)
                : null;
            if (bySteps is { } s && (byBudget is null || s <= byBudget))
                return (s, false);
            return byBudget is { } b ? (b, true) : null;
        }
    }

    /// <summary>One line for logs: <c>step 120/1000 (12.0%) | loss sentiment=0.6931 | 3.41 steps/s | …</c></summary>
    public string TrainLine()
    {
        var parts = new List<string> { StepText() };
        if (Losses.Count > 0)
            parts.Add("loss " + string.Join(' ', Losses.Select(p => $"{p.Key}={Number(p.Value)}")));
        parts.Add($"{Rate(StepsPerSecond, "F2")} steps/s");
        parts.Add($"{Rate(TokensPerSecond, "N0")} tokens/s");
        parts.Add($"lr {Scientific(LearningRate)}");
        parts.Add($"elapsed {Duration(Elapsed)}");
        parts.Add(EtaText());
        return string.Join(" | ", parts);
    }

    public string EvalLine() =>
        $"eval step {EvalStep} | " + string.Join(' ', Eval.Select(p => $"{p.Key}={Number(p.Value)}"));

    public string StepText() =>
        Fraction is { } f
            ? $"step {Step}/{MaxSteps} ({(f * 100).ToString("F1", CultureInfo.InvariantCulture)}%)"
            : $"step {Step}";

    public string EtaText() =>
        Eta is { } eta ? $"ETA {Duration(eta.Remaining)}{(eta.ByBudget ? " (time budget)" : "")}" : "ETA -";

    public static string Number(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Scientific(double value) => value.ToString("0.00e+00", CultureInfo.InvariantCulture);

    public static string Rate(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    public static string Duration(TimeSpan span) => $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}";
}
