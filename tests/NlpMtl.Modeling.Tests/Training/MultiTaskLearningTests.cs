using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests.Training;

/// <summary>Each head learns, and each sends gradient into the shared encoder.</summary>
[Collection(TorchCollection.Name)]
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
        BatchTensors.From(data.Train.Take(data.Settings.BatchSize).ToList(), data.SourceTokenizer.PadId, data.Vocabulary?.PadId ?? 0);

    [Theory]
    [InlineData(TaskNames.Sentiment)]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void HeadLossFallsOverFortySteps(string task)
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
            var loss = TaskLoss.Compute(model, task, FirstBatch(data[task]), labelSmoothing: 0.1);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(losses.TakeLast(3).Average() < 0.7 * losses.Take(3).Average(),
            $"{task} loss did not fall: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    [Fact]
    public void EveryHeadSendsGradientIntoTheSharedEncoder()
    {
        var (model, data) = Build(TaskNames.All.ToArray());
        using var _ = model;
        model.train();
        var encoder = model.named_parameters().Where(p => p.name.StartsWith("encoder.layer.", StringComparison.Ordinal)).ToList();
        foreach (var task in TaskNames.All)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            TaskLoss.Compute(model, task, FirstBatch(data[task]), 0.0).backward();
            var norm = encoder.Sum(p => p.parameter.grad is null ? 0 : p.parameter.grad.norm().item<float>());
            Assert.True(norm > 1e-6, $"{task} sent no gradient into the encoder");
            Assert.All(TaskNames.All.Where(t => t != task), other =>
                Assert.All(model.HeadParameters(other), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0, $"{task} leaked into {other}")));
        }
    }

    [Fact]
    public void DecodersAreWarmStartedFromTheEncoder()
    {
        var (model, _) = Build(TaskNames.Summarize);
        using var _ = model;
        var weights = model.state_dict();
        Assert.Equal(0f, (weights["encoder.layer.0.attention.self.query.weight"] - weights["heads.summarize.layer.0.attention.self.query.weight"]).abs().max().item<float>());
        Assert.Equal(0f, (weights["embeddings.word_embeddings.weight"] - weights["heads.summarize.embeddings.word_embeddings.weight"]).abs().max().item<float>());
        Assert.NotEqual(0f, (weights["encoder.layer.0.attention.self.query.weight"] - weights["heads.summarize.layer.0.crossattention.self.query.weight"]).abs().max().item<float>());
    }
}
