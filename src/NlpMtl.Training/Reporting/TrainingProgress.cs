using Spectre.Console;
using Spectre.Console.Rendering;

namespace NlpMtl.Training.Reporting;

/// <summary>
/// Training progress on the console: per-task loss (EMA), steps/s, tokens/s, learning rate, ETA and the latest
/// evaluation. On an interactive terminal a Spectre.Console live panel redraws in place; when output is redirected
/// (CI logs, <c>| tee</c>) or a writer is given, it prints plain lines instead, at most one per
/// <see cref="PlainInterval"/> plus every evaluation and the final step, so logs stay short and greppable.
/// While the live panel is up, nothing else should write to the console: the redraw would tear it.
/// </summary>
public sealed class TrainingProgress : IDisposable
{
    static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    readonly Lock gate = new();
    readonly ProgressState state;
    readonly TimeProvider clock;
    readonly long started;
    readonly TextWriter? plain;
    readonly CancellationTokenSource stopLive = new();
    readonly Task? live;
    TimeSpan? lastPrinted;
    bool unprintedStep;
    bool disposed;

    /// <param name="maxSteps">Last step of the run, for the percentage and ETA; 0 or less when only a budget bounds
    /// it.</param> <param name="timeBudget">Wall-clock limit of the run, if any: the ETA is whichever ends
    /// first.</param> <param name="plainOutput">Write plain lines here instead of drawing on the console (tests, a log
    /// file).</param> <param name="timeProvider">Clock for rates and ETA; the system clock by default.</param>
    public TrainingProgress(
        long maxSteps,
        TimeSpan? timeBudget,
        TextWriter? plainOutput = null,
        TimeProvider? timeProvider = null
    )
    {
        state = new ProgressState(maxSteps, timeBudget);
        clock = timeProvider ?? TimeProvider.System;
        started = clock.GetTimestamp();
        if (plainOutput is null && IsLiveConsole())
            live = Task.Run(RunLiveAsync);
        else
            plain = plainOutput ?? Console.Out;
    }

    /// <summary>Shortest time between two plain progress lines (default 10 s; zero prints every report).</summary>
    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>True when this instance draws the live panel rather than printing lines.</summary>
    public bool IsLive => live is not null;

    public void Report(
        long step,
        IReadOnlyDictionary<string, double> taskLosses,
        double learningRate,
        long tokensInStep
    )
    {
        ArgumentNullException.ThrowIfNull(taskLosses);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var now = clock.GetElapsedTime(started);
            state.Update(step, taskLosses, learningRate, tokensInStep, now);
            unprintedStep = true;
            if (
                plain is not null
                && (lastPrinted is not { } last || now - last >= PlainInterval || step == state.MaxSteps)
            )
                PrintTrainLine(now);
        }
    }

    /// <summary>The run's last step moved: under a time budget the trainer re-estimates it from the measured speed, and
    /// the percentage and step ETA follow that estimate rather than the config's ceiling.</summary>
    public void UpdateMaxSteps(long maxSteps)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            state.MaxSteps = maxSteps;
        }
    }

    public void ReportEval(long step, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            state.UpdateEval(step, metrics);
            plain?.WriteLine(state.EvalLine());
            plain?.Flush();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            // The last step, if the interval held it back, so a log always ends with where training stopped.
            if (plain is not null && unprintedStep)
                PrintTrainLine(clock.GetElapsedTime(started));
        }
        stopLive.Cancel();
        try
        {
            live?.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            // Dispose often runs while a training exception unwinds: a broken display must not replace that one.
            Console.Error.WriteLine($"training progress display failed: {e.Message}");
        }
        stopLive.Dispose();
    }

    void PrintTrainLine(TimeSpan now)
    {
        plain!.WriteLine(state.TrainLine());
        plain.Flush();
        lastPrinted = now;
        unprintedStep = false;
    }

    // Spectre knows a CI runner or a dumb terminal; redirection is checked too, since a redirected stdout can still
    // sit beside an interactive stdin.
    static bool IsLiveConsole() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities is { Ansi: true, Interactive: true };

    async Task RunLiveAsync()
    {
        await AnsiConsole
            .Live(Render())
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (!stopLive.IsCancellationRequested)
                {
                    context.UpdateTarget(Render());
                    try
                    {
                        await Task.Delay(RefreshInterval, stopLive.Token);
                    }
                    catch (OperationCanceledException) { }
                }
                context.UpdateTarget(Render());
            });
    }

    IRenderable Render()
    {
        lock (gate)
        {
            var losses = new Table()
                .Border(TableBorder.Simple)
                .AddColumn("task")
                .AddColumn(new TableColumn("loss (EMA)").RightAligned());
            foreach (var (task, loss) in state.Losses)
                losses.AddRow(Markup.Escape(task), ProgressState.Number(loss));

            var rows = new List<IRenderable>
            {
                new Markup(
                    $"[bold]{Markup.Escape(state.Step < 0 ? "starting" : state.StepText())}[/]  {Bar(state.Fraction)}"
                ),
                losses,
                new Markup(
                    Markup.Escape(
                        $"{ProgressState.Rate(state.StepsPerSecond, "F2")} steps/s · "
                            + $"{ProgressState.Rate(state.TokensPerSecond, "N0")} tokens/s · "
                            + $"lr {ProgressState.Scientific(state.LearningRate)} · elapsed "
                            + $"{ProgressState.Duration(state.Elapsed)} · {state.EtaText()}"
                    )
                ),
            };
            if (state.EvalStep is not null)
                rows.Add(new Markup($"[green]{Markup.Escape(state.EvalLine())}[/]"));
            return new Panel(new Rows(rows)).Header("training").Expand();
        }
    }

    static string Bar(double? fraction, int width = 30)
    {
        if (fraction is not { } f)
            return "";
        var filled = (int)Math.Round(f * width);
        return $"[green]{new string('━', filled)}[/][grey]{new string('─', width - filled)}[/]";
    }
}
