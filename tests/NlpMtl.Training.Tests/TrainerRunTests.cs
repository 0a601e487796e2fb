using NlpMtl.Core;
using NlpMtl.Core.Hardware;
using NlpMtl.Core.IO;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;
using NlpMtl.Training.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>The trainer end to end on the tiny encoder: checkpoints, resume, outputs, memory.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class TrainerRunTests(PretrainedFixture fixture)
{
    static readonly string[] AllTasks = [.. TaskNames.All];

    (string Root, string Config) Setup(Action<Dictionary<string, object>>? edit = null, string[]? tasks = null)
    {
        var root = fixture.NewDirectory("run");
        var encoder = TinyRun.WriteEncoder(Path.Combine(root, "encoder"));
        return (root, TinyRun.WriteConfig(root, encoder, tasks ?? AllTasks, edit));
    }

    static Trainer.Result Train(
        string config,
        string output,
        long? maxSteps = null,
        bool resume = false,
        long? interruptAt = null,
        int? seed = null,
        TextWriter? log = null
    )
    {
        using var interrupt = new CancellationTokenSource();
        return new Trainer(
            TrainingConfig.Load(config),
            new TrainerOptions
            {
                // bf16 runs are about numerics, not speed: they must run on CPUs that emulate the type too.
                OutputDirectory = output,
                MaxSteps = maxSteps,
                Resume = resume,
                Seed = seed,
                Log = log ?? TextWriter.Null,
                Bf16Speedup = 2,
                OnStep = step =>
                {
                    if (step == interruptAt)
                        interrupt.Cancel();
                },
            }
        ).Run(interrupt.Token);
    }

    [Fact]
    public void RunWritesCheckpointsMetricsAndPlot()
    {
        var (root, config) = Setup(c =>
            c["evaluation"] = new
            {
                every_steps = 4,
                max_examples = 6,
                patience = 0,
                batch_size = 8,
                final_max_examples = 5,
            }
        );
        var output = Path.Combine(root, "out");

        var result = Train(config, output);

        Assert.Equal(8, result.Steps);
        foreach (
            var file in new[]
            {
                "best/config.json",
                "best/model.safetensors",
                "best/heads.json",
                "best/vocab.txt",
                "best/translate_tokenizer/target_tokenizer.json",
                "last/optimizer.bin",
                "last/trainer_state.json",
                "metrics.jsonl",
                "curves.png",
                "final_metrics.json",
            }
        )
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        var records = MetricsLog.Read(Path.Combine(output, "metrics.jsonl"));
        Assert.Contains(records, r => r.Name == "sentiment/accuracy" && r.Step == 8);
        Assert.Contains(records, r => r.Name == "summarize/rouge1");
        Assert.Contains(records, r => r.Name == "translate/bleu");
        Assert.Contains("combined", result.LastMetrics.Keys);
        // Where it ran: this CPU, the config's threads and precision, from step 0.
        var machine = Assert.Single(MachineLog.Read(output));
        Assert.Equal((0L, 2, "fp32"), (machine.FromStep, machine.Threads, machine.Precision));
        Assert.Equal(CpuDescription.Current.Model, machine.Cpu.Model);
        Assert.Equal(CpuDescription.Current.Features, machine.Cpu.Features);
        Assert.Contains("fp32", machine.PrecisionReason);
    }

    [Fact]
    public void SaveThenLoadReproducesOutputsExactly()
    {
        var (root, config) = Setup();
        var output = Path.Combine(root, "out");
        Train(config, output, maxSteps: 4);

        using var a = MultiTaskCheckpoint.Load(Path.Combine(output, "last"));
        MultiTaskCheckpoint.Save(
            a,
            Path.Combine(root, "copy"),
            Path.Combine(output, "last"),
            new Dictionary<string, string>
            {
                [TaskNames.Translate] = Path.Combine(output, "last", "translate_tokenizer"),
            }
        );
        using var b = MultiTaskCheckpoint.Load(Path.Combine(root, "copy"));

        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 101, 2023, 2003, 1037, 3231, 102 }, [1, 6]);
        var mask = ones_like(ids);
        var hiddenA = a.Encode(ids, mask, zeros_like(ids));
        var hiddenB = b.Encode(ids, mask, zeros_like(ids));
        Assert.Equal(0f, (hiddenA - hiddenB).abs().max().item<float>());
        Assert.Equal(
            0f,
            (a.SentimentLogits(hiddenA, mask) - b.SentimentLogits(hiddenB, mask)).abs().max().item<float>()
        );
        var target = tensor(new long[] { 1, 300, 400 }, [1, 3]);
        Assert.Equal(
            0f,
            (
                a.DecoderLogits(TaskNames.Translate, hiddenA, mask, target)
                - b.DecoderLogits(TaskNames.Translate, hiddenB, mask, target)
            )
                .abs()
                .max()
                .item<float>()
        );
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void ResumeGivesTheSameStepsAsAnUninterruptedRun(string precision)
    {
        // An 8-step run interrupted after step 4 (it saves OUT/last as it stops) and resumed must replay steps 5–8
        // exactly.
        var (root, config) = Setup(c =>
        {
            c["balancing"] = new { method = "uncertainty", normalize_losses = true };
            c["precision"] = precision;
        });
        var straight = Path.Combine(root, "straight");
        var split = Path.Combine(root, "split");
        Train(config, straight);
        Assert.Equal(4, Train(config, split, interruptAt: 4).Steps);
        Assert.Equal(8, Train(config, split, resume: true).Steps);

        var lossesA = Losses(straight);
        var lossesB = Losses(split);
        Assert.Equal(lossesA.Count, lossesB.Count);
        Assert.Equal(lossesA, lossesB);
        using var a = MultiTaskCheckpoint.Load(Path.Combine(straight, "last"));
        using var b = MultiTaskCheckpoint.Load(Path.Combine(split, "last"));
        var weightsB = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
            Assert.True((tensor - weightsB[name]).abs().max().item<float>() == 0, $"{name} differs after resume");
    }

    [Fact]
    public void StoppedRunSavesWithoutEvaluatingAndResumesFromACutSave()
    {
        // Stopped at step 3 (no evaluation due), the run saves last/ at once instead of evaluating first. A later
        // save cut between its two renames leaves last.previous, from which --resume continues.
        var (root, config) = Setup();
        var output = Path.Combine(root, "out");
        Assert.Equal(3, Train(config, output, interruptAt: 3).Steps);
        var last = Path.Combine(output, "last");
        Assert.Equal(3, TrainerState.Load(last).Step);
        Assert.DoesNotContain(MetricsLog.Read(Path.Combine(output, "metrics.jsonl")), r =>
            r.Kind == "eval" && r.Step == 3
        );
        Assert.DoesNotContain(Directory.GetDirectories(output), d => Path.GetFileName(d).StartsWith("last."));

        Directory.Move(last, last + StagedDirectory.PreviousSuffix);
        Assert.Equal(8, Train(config, output, resume: true).Steps);
        Assert.Equal(8, TrainerState.Load(last).Step);
        // Each start says where it ran; the resumed one from the step it continued.
        Assert.Equal([0L, 3L], MachineLog.Read(output).Select(m => m.FromStep));
        Assert.DoesNotContain(Directory.GetDirectories(output), d => Path.GetFileName(d).StartsWith("last."));
    }

    [Fact]
    public void SeedOverridesTheConfigAndAResumedRunKeepsItsOwn()
    {
        // TinyRun's config has seed 5. --seed 7 must train exactly as a config with seed 7 and differently from 5;
        // the state records 7, a resume under the config's 5 keeps 7, and a resume with another --seed is refused.
        var (root, config) = Setup();
        var (_, config7) = Setup(c => c["seed"] = 7);
        var flagged = Path.Combine(root, "flag7");
        Train(config, flagged, maxSteps: 4, seed: 7);
        Train(config7, Path.Combine(root, "config7"), maxSteps: 4);
        Train(config, Path.Combine(root, "config5"), maxSteps: 4);

        Assert.Equal(7, TrainerState.Load(Path.Combine(flagged, "last")).Seed);
        Assert.Equal(Losses(Path.Combine(root, "config7")), Losses(flagged));
        Assert.NotEqual(Losses(Path.Combine(root, "config5")), Losses(flagged));

        var split = Path.Combine(root, "split");
        Assert.Equal(2, Train(config, split, maxSteps: 4, seed: 7, interruptAt: 2).Steps);
        var log = new StringWriter();
        Assert.Equal(4, Train(config, split, resume: true, log: log).Steps);
        Assert.Contains("resuming with the run's seed 7, not the config's 5", log.ToString());
        Assert.Equal(Losses(flagged), Losses(split));

        var refused = Assert.Throws<ArgumentException>(() => Train(config, split, resume: true, seed: 8));
        Assert.Contains(Path.Combine(split, "last", TrainerState.FileName), refused.Message);
        Assert.Contains("seed 7", refused.Message);
    }

    static List<(long, string, double)> Losses(string output) =>
        MetricsLog
            .Read(Path.Combine(output, "metrics.jsonl"))
            .Where(r => r.Name.StartsWith("loss/", StringComparison.Ordinal))
            .Select(r => (r.Step, r.Name, r.Value))
            .ToList();

    [Fact]
    public void PcGradRunsAndEveryTaskLearns()
    {
        var (root, config) = Setup(c => c["balancing"] = new { method = "pcgrad" });
        var output = Path.Combine(root, "out");
        var result = Train(config, output, maxSteps: 6);
        Assert.Equal(6, result.Steps);
        // PCGrad steps take one batch of every task.
        var steps = Losses(output).GroupBy(l => l.Item1).ToList();
        Assert.All(steps, s => Assert.Equal(3, s.Count()));
    }

    [Fact]
    public void FineTuneFromCheckpointTrainsOnlyTheNamedTask()
    {
        var (root, config) = Setup();
        var first = Path.Combine(root, "multi");
        Train(config, first, maxSteps: 4);
        var second = Path.Combine(root, "sentiment-only");
        new Trainer(
            TrainingConfig.Load(config),
            new TrainerOptions
            {
                OutputDirectory = second,
                MaxSteps = 4,
                From = Path.Combine(first, "last"),
                Tasks = [TaskNames.Sentiment],
                Log = TextWriter.Null,
            }
        ).Run();

        using var before = MultiTaskCheckpoint.Load(Path.Combine(first, "last"));
        using var after = MultiTaskCheckpoint.Load(Path.Combine(second, "last"));
        var weightsAfter = after.state_dict();
        var beforeWeights = before.state_dict();
        Assert.Equal(
            0f,
            (beforeWeights["heads.translate.output_bias"] - weightsAfter["heads.translate.output_bias"])
                .abs()
                .max()
                .item<float>()
        );
        Assert.NotEqual(
            0f,
            (beforeWeights["heads.sentiment.classifier.weight"] - weightsAfter["heads.sentiment.classifier.weight"])
                .abs()
                .max()
                .item<float>()
        );
        Assert.All(Losses(second), l => Assert.Equal("loss/sentiment", l.Item2));
    }

    [Fact]
    public void LiveTensorCountDoesNotGrowAcrossSteps()
    {
        var (root, config) = Setup(c =>
            c["evaluation"] = new
            {
                every_steps = 1000,
                max_examples = 4,
                patience = 0,
                final = false,
            }
        );
        using var prepared = TrainingSetup.Prepare(
            TrainingConfig.Load(config),
            new TrainerOptions { OutputDirectory = Path.Combine(root, "out") }
        );
        var (_, data, model, balancer, optimizer, _, _) = prepared;
        model.train();

        void Step(int i)
        {
            using var scope = NewDisposeScope();
            var task = TaskNames.All[i % 3];
            var batch = BatchTensors.From(data[task].Train.Take(4).ToList(), 0, data[task].Vocabulary?.PadId ?? 0);
            optimizer.zero_grad();
            balancer.Combine(task, TaskLoss.Compute(model, task, batch, 0.1)).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }

        for (var i = 0; i < 6; i++)
            Step(i); // gradients and optimizer moments exist from here on
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 6; i < 18; i++)
            Step(i);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary> <c>attention_dropout</c> reaches every attention module (encoder, decoder self- and cross-attention)
    /// of the run's model, and with it at 0 a training-mode attention is deterministic; without it the checkpoint's
    /// value stays. </summary>
    [Fact]
    public void AttentionDropoutOverridesEveryAttentionModule()
    {
        var (root, config) = Setup(c => c["attention_dropout"] = 0.0);
        using (
            var prepared = TrainingSetup.Prepare(
                TrainingConfig.Load(config),
                new TrainerOptions { OutputDirectory = Path.Combine(root, "out") }
            )
        )
        {
            var attentions = prepared.Model.modules().OfType<NlpMtl.Modeling.Bert.BertSelfAttention>().ToList();
            Assert.True(attentions.Count >= 3, $"found {attentions.Count} attention modules");
            Assert.All(attentions, a => Assert.Equal(0.0, a.DropoutProbability));
            attentions[0].train();
            using var scope = NewDisposeScope();
            var states = randn(2, 5, TinyRun.EncoderConfig.HiddenSize);
            Assert.True(
                attentions[0]
                    .call(states, zeros(2, 1, 1, 5))
                    .allclose(attentions[0].call(states, zeros(2, 1, 1, 5)), rtol: 0, atol: 0)
            );
        }
        var (defaultRoot, defaultConfig) = Setup();
        using var unchanged = TrainingSetup.Prepare(
            TrainingConfig.Load(defaultConfig),
            new TrainerOptions { OutputDirectory = Path.Combine(defaultRoot, "out") }
        );
        Assert.All(unchanged.Model.modules().OfType<NlpMtl.Modeling.Bert.BertSelfAttention>(), a =>
            Assert.True(a.DropoutProbability > 0)
        );
    }
}
