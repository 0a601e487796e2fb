using NlpMtl.TestSupport;
using NlpMtl.Training.Reporting;

namespace NlpMtl.Training.Tests.Reporting;

public sealed class MetricsLogTests : IDisposable
{
    static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, 123, TimeSpan.FromHours(1));

    readonly string dir = Scratch.CreateDirectory("nlpmtl-metrics-").FullName;

    string LogPath => Path.Combine(dir, "run", MetricsLog.FileName);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static MetricRecord Train(long step, string name, double value) =>
        new(step, MetricRecord.Train, name, value, T0.AddSeconds(step));

    static MetricRecord Eval(long step, string name, double value) =>
        new(step, MetricRecord.Eval, name, value, T0.AddSeconds(step));

    [Fact]
    public void RecordsRoundTripOneJsonObjectPerLine()
    {
        MetricRecord[] records =
        [
            Train(1, "loss/sentiment", 0.693147180559945),
            Train(1, "lr", 2e-5),
            Train(2, "loss/translate", double.NaN),
            Eval(2, "translate/bleu", 12.5),
        ];
        using (var log = new MetricsLog(LogPath))
        {
            foreach (var record in records)
                log.Write(record);
        }

        Assert.Equal(records, MetricsLog.Read(LogPath));
        var lines = File.ReadAllLines(LogPath);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith(
            "{\"step\":1,\"kind\":\"train\",\"name\":\"loss/sentiment\",\"value\":0.693147180559945,\"time\":",
            lines[0]
        );
    }

    [Fact]
    public void EachWriteIsOnDiskBeforeDispose()
    {
        using var log = new MetricsLog(LogPath);
        log.Write(Train(1, "loss/sentiment", 0.5));

        Assert.Single(MetricsLog.Read(LogPath));
    }

    [Fact]
    public void ResumeDropsRecordsAfterTheCheckpointStepAndAppends()
    {
        using (var log = new MetricsLog(LogPath))
        {
            for (var step = 1; step <= 5; step++)
                log.Write(Train(step, "loss/sentiment", 1.0 / step));
            log.Write(Eval(3, "sentiment/accuracy", 0.8));
        }

        using (var resumed = new MetricsLog(LogPath, resumeFromStep: 3))
            resumed.Write(Train(4, "loss/sentiment", 0.1));

        var steps = MetricsLog.Read(LogPath).Select(r => (r.Step, r.Kind, r.Value)).ToList();
        Assert.Equal(
            [(1, "train", 1.0), (2, "train", 0.5), (3, "train", 1.0 / 3), (3, "eval", 0.8), (4, "train", 0.1)],
            steps
        );
    }

    [Fact]
    public void ResumeWithoutAnExistingFileStartsOne()
    {
        using (var log = new MetricsLog(LogPath, resumeFromStep: 100))
            log.Write(Train(101, "loss/sentiment", 0.5));

        Assert.Equal(101, Assert.Single(MetricsLog.Read(LogPath)).Step);
    }

    [Fact]
    public void NewLogReplacesAnOldOne()
    {
        using (var old = new MetricsLog(LogPath))
            old.Write(Train(9, "loss/sentiment", 0.5));

        using (var log = new MetricsLog(LogPath))
            log.Write(Train(1, "loss/sentiment", 0.7));

        Assert.Equal(1, Assert.Single(MetricsLog.Read(LogPath)).Step);
    }

    [Theory]
    [InlineData(
        "{\"step\":2,\"kind\":\"train\",\"name\":\"lr\",\"value\":1e-4,\"time\":\"2026-11-28T12:00:00+00:00\"",
        "line 2: malformed metrics record"
    )]
    [InlineData(
        "{\"step\":2,\"kind\":\"train\",\"value\":1e-4,\"time\":\"2026-11-28T12:00:00+00:00\"}",
        "line 2: malformed metrics record"
    )]
    [InlineData(
        "{\"step\":\"two\",\"kind\":\"train\",\"name\":\"lr\",\"value\":1e-4,\"time\":\"2026-11-28T12:00:00+00:00\"}",
        "line 2: malformed metrics record"
    )]
    public void MalformedLineNamesFileAndLine(string badLine, string expected)
    {
        using (var log = new MetricsLog(LogPath))
            log.Write(Train(1, "loss/sentiment", 0.5));
        var good = File.ReadAllText(LogPath);
        File.AppendAllText(LogPath, badLine + "\n" + good);

        var readError = Assert.Throws<InvalidDataException>(() => MetricsLog.Read(LogPath));
        var resumeError = Assert.Throws<InvalidDataException>(() => new MetricsLog(LogPath, resumeFromStep: 10));

        Assert.Contains($"{LogPath}, {expected}", readError.Message);
        Assert.Contains($"{LogPath}, {expected}", resumeError.Message);
    }

    [Fact]
    public void UnfinishedLastLineFromACrashIsSkipped()
    {
        using (var log = new MetricsLog(LogPath))
            log.Write(Train(1, "loss/sentiment", 0.5));
        File.AppendAllText(LogPath, "{\"step\":2,\"kind\":\"tr");

        Assert.Single(MetricsLog.Read(LogPath));
        using (var resumed = new MetricsLog(LogPath, resumeFromStep: 1))
            resumed.Write(Train(2, "loss/sentiment", 0.4));
        Assert.Equal([1L, 2L], MetricsLog.Read(LogPath).Select(r => r.Step));
    }
}
