using System.Globalization;
using ScottPlot;

namespace NlpMtl.Training.Reporting;

/// <summary>How <see cref="TrainingPlot"/> draws; the defaults suit a run of a few thousand steps.</summary>
public sealed class TrainingPlotOptions
{
    /// <summary>
    /// Weight of the past in the exponential moving average drawn over each loss (TensorBoard's smoothing slider):
    /// 0 draws the raw losses only; otherwise the raw curve is drawn faint behind the smoothed one.
    /// </summary>
    public double Smoothing { get; init; } = 0.8;

    public int Width { get; init; } = 1200;

    public int PanelHeight { get; init; } = 340;
}

/// <summary>
/// Draws a run's <see cref="MetricRecord"/>s as one PNG with a panel per group, all against the step: training
/// losses (one line per task), one panel per evaluated task (<c>sentiment/…</c>, <c>translate/…</c>, <c>combined</c>),
/// which keeps BLEU's 0–100 off the axis of a 0–1 accuracy, and the learning rate.
/// </summary>
public static class TrainingPlot
{
    public static void Save(IReadOnlyList<MetricRecord> records, string pngPath, TrainingPlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        options ??= new TrainingPlotOptions();
        if (options.Smoothing is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Smoothing, "Smoothing must be in [0, 1).");

        var directory = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (directory is not null)
            Directory.CreateDirectory(directory);

        var panels = Panels(records, options).ToList();
        try
        {
            AlignSteps(panels, records);
            // A new Multiplot holds one blank plot of its own: Reset swaps it for the first panel.
            var multiplot = new Multiplot();
            multiplot.Reset(panels[0]);
            foreach (var plot in panels.Skip(1))
                multiplot.AddPlot(plot);
            multiplot.SavePng(pngPath, options.Width, options.PanelHeight * panels.Count);
        }
        finally
        {
            foreach (var plot in panels)
                plot.Dispose();
        }
    }

    static IEnumerable<Plot> Panels(IReadOnlyList<MetricRecord> records, TrainingPlotOptions options)
    {
        var train = records.Where(r => r.Kind == MetricRecord.Train).ToList();
        var losses = train
            .Where(r => r.Name == "loss" || r.Name.StartsWith("loss/", StringComparison.Ordinal))
            .ToList();
        var learningRate = train.Where(r => r.Name == "lr").ToList();
        var evalGroups = records
            .Where(r => r.Kind == MetricRecord.Eval)
            .GroupBy(r => GroupOf(r.Name), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

        var count = 0;
        if (losses.Count > 0)
        {
            var title =
                options.Smoothing > 0
                    ? $"Training loss (EMA smoothing "
                        + $"{options.Smoothing.ToString("0.##", CultureInfo.InvariantCulture)})"
                    : "Training loss";
            yield return Panel(
                title,
                "loss",
                losses,
                smoothing: options.Smoothing,
                markers: false,
                Alignment.UpperRight
            );
            count++;
        }
        foreach (var group in evalGroups)
        {
            // Scores rise, so the legend goes where the curve starts low.
            yield return Panel(
                $"Evaluation: {group.Key}",
                "score",
                group.ToList(),
                smoothing: 0,
                markers: true,
                Alignment.LowerRight
            );
            count++;
        }
        if (learningRate.Count > 0)
        {
            yield return Panel("Learning rate", "lr", learningRate, smoothing: 0, markers: false, Alignment.UpperRight);
            count++;
        }
        if (count == 0)
        {
            var empty = NewPlot();
            empty.Title("No training or evaluation metrics recorded");
            yield return empty;
        }
    }

    /// <summary>The same step range on every panel, so a step lines up from panel to panel.</summary>
    static void AlignSteps(List<Plot> panels, IReadOnlyList<MetricRecord> records)
    {
        if (records.Count == 0)
            return;
        double first = records.Min(r => r.Step),
            last = records.Max(r => r.Step);
        var margin = Math.Max(1, (last - first) * 0.02);
        foreach (var plot in panels)
        {
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsX(first - margin, last + margin);
        }
    }

    static Plot NewPlot()
    {
        EmbeddedFont.Register();
        var plot = new Plot();
        plot.Font.Set(EmbeddedFont.Name);
        return plot;
    }

    // "sentiment/accuracy" → "sentiment"; a name without a slash ("combined") is a group of its own.
    static string GroupOf(string name) => name.Split('/', 2)[0];

    static Plot Panel(
        string title,
        string yLabel,
        List<MetricRecord> records,
        double smoothing,
        bool markers,
        Alignment legend
    )
    {
        var plot = NewPlot();
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel);
        var palette = new ScottPlot.Palettes.Category10();
        var series = records.GroupBy(r => r.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        var index = 0;
        foreach (var named in series)
        {
            // A diverged (NaN) loss stays in metrics.jsonl but cannot be drawn.
            var points = named.Where(r => double.IsFinite(r.Value)).OrderBy(r => r.Step).ToList();
            if (points.Count == 0)
                continue;
            double[] xs = [.. points.Select(r => (double)r.Step)];
            double[] ys = [.. points.Select(r => r.Value)];
            var color = palette.GetColor(index++);
            if (smoothing > 0)
            {
                var raw = plot.Add.ScatterLine(xs, ys, color.WithAlpha(0.25));
                raw.LineWidth = 1;
                ys = Smooth(ys, smoothing);
            }
            var line = markers ? plot.Add.Scatter(xs, ys, color) : plot.Add.ScatterLine(xs, ys, color);
            line.LineWidth = 2;
            line.LegendText = named.Key;
        }
        plot.ShowLegend(legend);
        return plot;
    }

    /// <summary>Exponential moving average with TensorBoard's debiasing, so the first points are not pulled to
    /// 0.</summary>
    public static double[] Smooth(double[] values, double weight)
    {
        var smoothed = new double[values.Length];
        double average = 0,
            correction = 0;
        for (var i = 0; i < values.Length; i++)
        {
            average = weight * average + (1 - weight) * values[i];
            correction = weight * correction + (1 - weight);
            smoothed[i] = average / correction;
        }
        return smoothed;
    }
}
