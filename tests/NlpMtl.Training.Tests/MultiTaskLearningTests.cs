using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>Each head learns, and each sends gradient into the shared encoder.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class MultiTaskLearningTests(PretrainedFixture fixture)
{
    (MultiTaskModel Model, Dictionary<string, TaskData> Data) Build(params string[] tasks)
    {
        var root = fixture.NewDirectory("learn");
        var encoder = TinyRun.WriteEncoder(Path.Combine(root, "encoder"));
        var config = TrainingConfig.Load(TinyRun.WriteConfig(root, encoder, tasks));
        var options = new TrainerOptions { OutputDirectory = root };
        var data = TrainingSetup.LoadData(config, options, encoder);
        manual_seed(3);
        return (TrainingSetup.CreateModel(options, encoder, data), data);
    }

    static BatchTensors FirstBatch(TaskData data) =>
        BatchTensors.From(
            data.Train.Take(data.Settings.BatchSize).ToList(),
            data.SourceTokenizer.PadId,
            data.Vocabulary?.PadId ?? 0
        );

    [Theory]
    [InlineData(TaskNames.Sentiment, "fp32")]
    [InlineData(TaskNames.Summarize, "fp32")]
    [InlineData(TaskNames.Translate, "fp32")]
    [InlineData(TaskNames.Sentiment, "bf16")]
    [InlineData(TaskNames.Summarize, "bf16")]
    [InlineData(TaskNames.Translate, "bf16")]
    public void HeadLossFallsOverFortySteps(string task, string precision)
    {
        var (model, data) = Build(task);
        using var _ = model;
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), 3e-3);
        var losses = new List<float>();
        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = TaskLoss.Compute(
                model,
                task,
                FirstBatch(data[task]),
                labelSmoothing: 0.1,
                MixedPrecision.Parse(precision)
            );
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(
            losses.TakeLast(3).Average() < 0.7 * losses.Take(3).Average(),
            $"{task} ({precision}) loss did not fall: {string.Join(", ", losses.Select(l => l.ToString("F3")))}"
        );
    }

    /// <summary>
    /// bfloat16 mixed precision computes the same loss and gradients as float32 to bfloat16's precision (8 bits of
    /// mantissa), but not exactly: the products did run in bfloat16. Training mode with the same seed, so the dropout
    /// masks (and the attention's dropout path) are the same in both runs.
    /// </summary>
    [Theory]
    [InlineData(TaskNames.Sentiment)]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void Bf16MixedPrecisionMatchesFloat32ToBf16Precision(string task)
    {
        var (model, data) = Build(task);
        using var _ = model;
        model.train();
        var parameters = model.parameters().ToList();
        (float Loss, Tensor Gradient) Run(ScalarType? computeType)
        {
            foreach (var p in parameters)
                p.grad = null;
            manual_seed(11);
            var loss = TaskLoss.Compute(model, task, FirstBatch(data[task]), 0.1, computeType);
            loss.backward();
            Assert.All(parameters.Where(p => p.grad is not null), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
            return (
                loss.item<float>(),
                cat(parameters.Where(p => p.grad is not null).Select(p => p.grad!.flatten()).ToList())
            );
        }
        using var scope = NewDisposeScope();
        var (fullLoss, fullGradient) = Run(null);
        var (mixedLoss, mixedGradient) = Run(ScalarType.BFloat16);
        Assert.Null(MixedPrecision.ComputeType);
        Assert.NotEqual(fullLoss, mixedLoss);
        Assert.True(
            Math.Abs(mixedLoss - fullLoss) < 0.02 * fullLoss,
            $"{task}: loss {mixedLoss} in bf16 vs {fullLoss} in fp32"
        );
        var cosine = nn.functional.cosine_similarity(fullGradient, mixedGradient, dim: 0).item<float>();
        Assert.True(cosine > 0.99, $"{task}: gradient cosine similarity bf16 vs fp32 {cosine}");
        Assert.True(mixedGradient.isfinite().all().item<bool>(), $"{task}: non-finite bf16 gradient");
    }

    [Fact]
    public void AutocastScopesNestAndRestore()
    {
        Assert.Null(MixedPrecision.ComputeType);
        using (MixedPrecision.Autocast(ScalarType.BFloat16))
        {
            using (MixedPrecision.Autocast(null))
                Assert.Equal(ScalarType.BFloat16, MixedPrecision.ComputeType);
            Assert.Equal(ScalarType.BFloat16, MixedPrecision.ComputeType);
        }
        Assert.Null(MixedPrecision.ComputeType);
        var error = Assert.Throws<InvalidDataException>(() => MixedPrecision.Parse("fp16"));
        Assert.Contains("fp16", error.Message);
    }

    [Fact]
    public void EveryHeadSendsGradientIntoTheSharedEncoder()
    {
        var (model, data) = Build(TaskNames.All.ToArray());
        using var _ = model;
        model.train();
        var encoder = model
            .named_parameters()
            .Where(p => p.name.StartsWith("encoder.layer.", StringComparison.Ordinal))
            .ToList();
        foreach (var task in TaskNames.All)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            TaskLoss.Compute(model, task, FirstBatch(data[task]), 0.0).backward();
            var norm = encoder.Sum(p => p.parameter.grad is null ? 0 : p.parameter.grad.norm().item<float>());
            Assert.True(norm > 1e-6, $"{task} sent no gradient into the encoder");
            Assert.All(TaskNames.All.Where(t => t != task), other =>
                Assert.All(model.HeadParameters(other), p =>
                    Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0, $"{task} leaked into {other}")
                )
            );
        }
    }

    [Fact]
    public void DecodersAreWarmStartedFromTheEncoder()
    {
        var (model, _) = Build(TaskNames.Summarize);
        using var _ = model;
        var weights = model.state_dict();
        Assert.Equal(
            0f,
            (
                weights["encoder.layer.0.attention.self.query.weight"]
                - weights["heads.summarize.layer.0.attention.self.query.weight"]
            )
                .abs()
                .max()
                .item<float>()
        );
        Assert.Equal(
            0f,
            (
                weights["embeddings.word_embeddings.weight"]
                - weights["heads.summarize.embeddings.word_embeddings.weight"]
            )
                .abs()
                .max()
                .item<float>()
        );
        Assert.NotEqual(
            0f,
            (
                weights["encoder.layer.0.attention.self.query.weight"]
                - weights["heads.summarize.layer.0.crossattention.self.query.weight"]
            )
                .abs()
                .max()
                .item<float>()
        );
    }
}
