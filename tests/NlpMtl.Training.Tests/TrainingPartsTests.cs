using NlpMtl.Core.Numerics;
using NlpMtl.Training;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>The trainer's small parts: sampling, schedule, balancing, PCGrad, batching.</summary>
[Collection(TorchCollection.Name)]
public class TrainingPartsTests
{
    static readonly Dictionary<string, int> Sizes = new()
    {
        ["sentiment"] = 90_000,
        ["summarize"] = 10_000,
        ["translate"] = 0 + 40_000,
    };

    [Theory]
    [InlineData("proportional", 1.0, 0.6428, 0.0714, 0.2857)] // 90k : 10k : 40k of 140k
    [InlineData("temperature", 2.0, 0.5, 0.1667, 0.3333)] // √ sizes: 300 : 100 : 200 of 600
    [InlineData("uniform", 1.0, 0.3333, 0.3333, 0.3333)]
    public void SamplerFollowsItsDistribution(
        string method,
        double temperature,
        double sentiment,
        double summarize,
        double translate
    )
    {
        var sampler = new TaskSampler(Sizes, new SamplingConfig { Method = method, Temperature = temperature }, 7);
        Assert.Equal(sentiment, sampler.Probabilities["sentiment"], 3);
        Assert.Equal(summarize, sampler.Probabilities["summarize"], 3);
        Assert.Equal(translate, sampler.Probabilities["translate"], 3);

        var counts = Enumerable
            .Range(0, 30_000)
            .Select(_ => sampler.Next())
            .GroupBy(t => t)
            .ToDictionary(g => g.Key, g => g.Count() / 30_000.0);
        Assert.Equal(sentiment, counts["sentiment"], 1);
        Assert.Equal(translate, counts["translate"], 1);
    }

    [Theory]
    [InlineData("uniform", 1.0, 0.25, 0.25, 0.5)] // weights 1 : 1 : 2
    [InlineData("temperature", 2.0, 0.375, 0.125, 0.5)] // 300 : 100 : 400 (√40k × 2) of 800
    public void SamplingWeightsMultiplyTheMethodsWeights(
        string method,
        double temperature,
        double sentiment,
        double summarize,
        double translate
    )
    {
        var weights = new Dictionary<string, double> { ["sentiment"] = 1, ["translate"] = 2 }; // summarize absent: 1
        var sampler = new TaskSampler(
            Sizes,
            new SamplingConfig { Method = method, Temperature = temperature },
            7,
            weights
        );
        Assert.Equal(sentiment, sampler.Probabilities["sentiment"], 3);
        Assert.Equal(summarize, sampler.Probabilities["summarize"], 3);
        Assert.Equal(translate, sampler.Probabilities["translate"], 3);
    }

    [Fact]
    public void SamplerResumesFromItsState()
    {
        var a = new TaskSampler(Sizes, new SamplingConfig(), 99);
        for (var i = 0; i < 17; i++)
            a.Next();
        var b = new TaskSampler(Sizes, new SamplingConfig(), a.State);
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => a.Next()), Enumerable.Range(0, 50).Select(_ => b.Next()));
    }

    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysToZero()
    {
        Assert.Equal(0.1, LearningRateSchedule.Factor(0, 100, 0.1), 6);
        Assert.Equal(1.0, LearningRateSchedule.Factor(9, 100, 0.1), 6);
        Assert.Equal(0.5, LearningRateSchedule.Factor(55, 100, 0.1), 6);
        Assert.Equal(0.0, LearningRateSchedule.Factor(100, 100, 0.1), 6);
    }

    [Fact]
    public void UncertaintyWeightingIsExpMinusSTimesLossPlusS()
    {
        var balancer = new LossBalancer(
            new BalancingConfig { Method = "uncertainty" },
            new Dictionary<string, double> { ["a"] = 1, ["b"] = 1 }
        );
        balancer.Restore(new Dictionary<string, double>(), [0.5f, -1f]);
        using var scope = NewDisposeScope();
        var combined = balancer.Combine("b", tensor(2f));
        Assert.Equal(Math.Exp(1) * 2 - 1, combined.item<float>(), 4);
        combined.backward();
        // d/ds (e^{-s}·L + s) = 1 − e^{-s}·L
        Assert.Equal(1 - Math.Exp(1) * 2, balancer.LogVariances.grad![1].item<float>(), 4);
    }

    [Fact]
    public void NormalisedLossesAreDividedByTheirRunningMean()
    {
        var balancer = new LossBalancer(
            new BalancingConfig { NormalizeLosses = true },
            new Dictionary<string, double> { ["a"] = 2 }
        );
        using var scope = NewDisposeScope();
        Assert.Equal(2.0, balancer.Combine("a", tensor(8f)).item<float>(), 4); // 8 / 8 × weight 2
    }

    [Fact]
    public void PcGradRemovesTheConflictingComponent()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(zeros(2));
        var g1 = tensor(new[] { 1f, 0f });
        var g2 = tensor(new[] { -1f, 1f });
        PcGrad.Apply([p], [g1, g2], new SplitMix64(1));
        // g1 projected off g2: (1,0) − (−1/2)(−1,1) = (0.5, 0.5); g2 off g1: (−1,1) − (−1)(1,0) = (0, 1); sum (0.5,
        // 1.5)
        Assert.Equal([0.5f, 1.5f], p.grad!.data<float>().ToArray());
    }

    [Fact]
    public void BatchesCoverEveryExampleOncePerEpochAndResume()
    {
        var examples = Enumerable.Range(0, 25).Select(i => new TaskExample(new int[1 + i % 7], i, null)).ToList();
        var batches = new TaskBatches(examples, 4, 3);
        var epoch = Enumerable.Range(0, 7).SelectMany(_ => batches.Next()).Select(e => e.Label).ToList();
        Assert.Equal(Enumerable.Range(0, 25), epoch.Order());

        var resumed = new TaskBatches(examples, 4, 3);
        resumed.Restore(batches.Epoch, batches.Position);
        Assert.Equal(batches.Next().Select(e => e.Label), resumed.Next().Select(e => e.Label));
    }

    /// <summary>Texts 0 and 1 cut in 5 and 3 windows, then 4 texts of one window each.</summary>
    static List<TaskExample> WindowedTexts() =>
        [
            .. Enumerable
                .Range(0, 5)
                .Select(i => new TaskExample(new int[8], 0, null) { Window = new TextWindow(0, i, 5) }),
            .. Enumerable
                .Range(0, 3)
                .Select(i => new TaskExample(new int[8], 1, null) { Window = new TextWindow(1, i, 3) }),
            .. Enumerable.Range(0, 4).Select(i => new TaskExample(new int[2], 2 + i, null)),
        ];

    /// <summary>The examples each of the first <paramref name="epochs"/> epochs reads, batch by batch.</summary>
    static List<List<TaskExample>> Epochs(TaskBatches batches, int epochs)
    {
        var read = new List<List<TaskExample>>();
        while (true)
        {
            var batch = batches.Next();
            if (batches.Epoch == epochs)
                return read;
            if (read.Count == batches.Epoch)
                read.Add([]);
            read[batches.Epoch].AddRange(batch);
        }
    }

    [Fact]
    public void WindowsPerPassReadsALongTextsWindowsInTurnAndEachComesRound()
    {
        var examples = WindowedTexts();
        var batches = new TaskBatches(examples, 3, 7, windowsPerPass: 2);
        Assert.Equal((8, 12), (batches.PerPass, batches.Count));
        Assert.Equal(
            "sentiment: each pass reads 8 of the 12 training windows (windows_per_pass 2)",
            batches.DescribePass("sentiment")
        );
        Assert.Null(new TaskBatches(examples, 3, 7).DescribePass("sentiment"));
        var epochs = Epochs(batches, 6);

        foreach (var epoch in epochs)
        {
            // Every short text, two windows of each long one.
            Assert.Equal(4, epoch.Count(e => e.Window is null));
            Assert.Equal(2, epoch.Count(e => e.Window?.Text == 0));
            Assert.Equal(2, epoch.Count(e => e.Window?.Text == 1));
            Assert.Equal(epoch.Count, epoch.Distinct().Count());
        }
        foreach (var (text, count) in new[] { (0, 5), (1, 3) })
        {
            var indices = epochs
                .Select(epoch => epoch.Where(e => e.Window?.Text == text).Select(e => e.Window!.Index))
                .ToList();
            // ceil(count / 2) passes read every window; each pass starts where the one before stopped.
            Assert.Equal(
                Enumerable.Range(0, count),
                indices.Take((count + 1) / 2).SelectMany(i => i).Distinct().Order()
            );
            var first = indices[0].Single(i => !indices[0].Contains((i - 1 + count) % count));
            for (var pass = 1; pass < indices.Count; pass++)
                Assert.Equal(
                    new[] { (first + 2 * pass) % count, (first + 2 * pass + 1) % count }.Order(),
                    indices[pass].Order()
                );
        }
    }

    [Fact]
    public void WindowsPerPassResumesToTheSameBatchesAndWithoutItEveryWindowIsReadEachPass()
    {
        var examples = WindowedTexts();
        var batches = new TaskBatches(examples, 3, 7, windowsPerPass: 1);
        for (var i = 0; i < 9; i++)
            batches.Next();
        var resumed = new TaskBatches(examples, 3, 7, windowsPerPass: 1);
        resumed.Restore(batches.Epoch, batches.Position);
        for (var i = 0; i < 6; i++)
            Assert.Equal(batches.Next(), resumed.Next());

        Assert.All(Epochs(new TaskBatches(examples, 3, 7), 2), epoch => Assert.Equal(12, epoch.Count));
        Assert.All(Epochs(new TaskBatches(examples, 3, 7, windowsPerPass: 5), 2), epoch =>
            Assert.Equal(12, epoch.Count)
        );
    }

    [Fact]
    public void SeqToSeqBatchShiftsTargetsAndIgnoresPadding()
    {
        using var scope = NewDisposeScope();
        var batch = BatchTensors.From(
            [new TaskExample([101, 5, 102], 0, [1, 7, 8, 2]), new TaskExample([101, 102], 0, [1, 9, 2])],
            0,
            0
        );
        Assert.Equal(new long[] { 1, 7, 8, 1, 9, 0 }, batch.DecoderInputIds!.data<long>().ToArray());
        Assert.Equal(new long[] { 7, 8, 2, 9, 2, BatchTensors.Ignore }, batch.Labels!.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 0 }, batch.AttentionMask.data<long>().ToArray());
    }
}
