using NlpMtl.TestSupport;
using NlpMtl.Training.Reporting;

namespace NlpMtl.Training.Tests.Reporting;

public sealed class TrainingPlotTests : IDisposable
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    readonly string dir = Scratch.CreateDirectory("nlpmtl-plot-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A made-up run: three noisy decaying losses, evaluations every 50 steps, a warmup-then-decay
    /// lr.</summary>
    internal static List<MetricRecord> SampleRun()
    {
        var random = new Random(7);
        var time = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var records = new List<MetricRecord>();
        (string Task, double Start)[] tasks = [("sentiment", 0.7), ("summarize", 6.0), ("translate", 5.0)];
        for (var step = 1; step <= 300; step++)
        {
            foreach (var (task, start) in tasks)
            {
                var loss = start * Math.Exp(-step / 150.0) + 0.1 + 0.15 * start * (random.NextDouble() - 0.5);
                records.Add(new(step, MetricRecord.Train, $"loss/{task}", loss, time.AddSeconds(step)));
            }
            records.Add(
                new(
                    step,
                    MetricRecord.Train,
                    "lr",
                    5e-5 * Math.Min(step / 30.0, (300 - step) / 270.0),
                    time.AddSeconds(step)
                )
            );
            if (step % 50 == 0)
            {
                records.Add(
                    new(
                        step,
                        MetricRecord.Eval,
                        "sentiment/accuracy",
                        0.5 + 0.4 * (1 - Math.Exp(-step / 100.0)),
                        time.AddSeconds(step)
                    )
                );
                records.Add(
                    new(step, MetricRecord.Eval, "summarize/rouge1", 0.1 + 0.25 * step / 300, time.AddSeconds(step))
                );
                records.Add(
                    new(step, MetricRecord.Eval, "summarize/rougeL", 0.08 + 0.2 * step / 300, time.AddSeconds(step))
                );
                records.Add(new(step, MetricRecord.Eval, "translate/bleu", 30.0 * step / 300, time.AddSeconds(step)));
            }
        }
        records.Add(new(150, MetricRecord.Train, "loss/translate", double.NaN, time));
        return records;
    }

    static void AssertIsPng(string path, int minimumBytes)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.True(bytes.Length > minimumBytes, $"{path} is only {bytes.Length} bytes");
    }

    [Fact]
    public void WritesAPngWithAPanelPerGroup()
    {
        var path = Path.Combine(dir, "out", "training.png");

        TrainingPlot.Save(SampleRun(), path, new TrainingPlotOptions { Width = 900, PanelHeight = 250 });

        AssertIsPng(path, minimumBytes: 20_000);
        // IHDR: width and height, big-endian, at bytes 16..23. Panels: loss, sentiment, summarize, translate, lr.
        var header = File.ReadAllBytes(path).AsSpan(16, 8);
        Assert.Equal(900, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(5 * 250, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[4..]));
    }

    [Fact]
    public void FontShipsInsideTheAssemblySoMachinesWithoutFontsStillGetLabels()
    {
        // Checked by hand too: with /usr/share/fonts hidden (unshare -m, tmpfs over it) the plot keeps all its text.
        using var font = typeof(TrainingPlot).Assembly.GetManifestResourceStream(
            "NlpMtl.Training.Reporting.DejaVuSans.ttf"
        );

        Assert.NotNull(font);
        var header = new byte[4];
        font.ReadExactly(header);
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, header); // TrueType
        Assert.True(font.Length > 100_000);
    }

    [Fact]
    public void NoRecordsStillWritesAnImage()
    {
        var path = Path.Combine(dir, "empty.png");

        TrainingPlot.Save([], path);

        AssertIsPng(path, minimumBytes: 1_000);
    }

    [Fact]
    public void SmoothingIsDebiasedExponentialAverage()
    {
        Assert.Equal([4.0, 4.0, 4.0], TrainingPlot.Smooth([4, 4, 4], 0.9));
        var smoothed = TrainingPlot.Smooth([0, 10], 0.5);
        // (0.5·0.5·0 + 0.5·10) / (1 − 0.25) = 6.67
        Assert.Equal(6.6667, smoothed[1], 4);
    }
}
