using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;
using NlpMtl.Training.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>The pointer-generator's mixed distribution, and a copying summarizer that trains, saves and
/// fine-tunes.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class PointerGeneratorTests(PretrainedFixture fixture)
{
    static MultiTaskModel CopyingModel()
    {
        manual_seed(21);
        var head = new DecoderHeadConfig
        {
            Layers = 1,
            VocabSize = 99,
            PadId = 0,
            BosId = 1,
            EosId = 2,
            Copy = true,
        };
        var model = new MultiTaskModel(new BertModel(BertConfig.Tiny), new MultiTaskConfig { Summarize = head });
        model.eval();
        return model;
    }

    static readonly long[] Source = [5, 17, 23, 42, 17, 0, 9, 33, 61, 7, 12, 4];

    static Tensor DecoderOutput(MultiTaskModel model)
    {
        var ids = tensor(Source, [2, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1 }, [2, 6]);
        var hidden = model.Encode(ids, mask, zeros_like(ids));
        return model.DecoderLogits(
            TaskNames.Summarize,
            hidden,
            mask,
            tensor(new long[] { 1, 14, 70, 1, 55, 6 }, [2, 3]),
            ids
        ); // (2, 3, V)
    }

    [Fact]
    public void OutputsAreLogProbabilitiesOfANormalisedDistribution()
    {
        using var model = CopyingModel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = DecoderOutput(model);
        var total = output.exp().sum(-1);
        Assert.True((total - 1).abs().max().item<float>() < 1e-5, $"probabilities sum to {total}");
        Assert.True(
            (output.log_softmax(-1) - output).abs().max().item<float>() < 1e-5,
            "log-softmax should leave the outputs unchanged"
        );
        Assert.Throws<ArgumentException>(() =>
            model.DecoderLogits(
                TaskNames.Summarize,
                randn(1, 2, BertConfig.Tiny.HiddenSize),
                ones(1, 2, dtype: ScalarType.Int64),
                ones(1, 1, dtype: ScalarType.Int64)
            )
        );
    }

    [Fact]
    public void AClosedGateWritesOnlySourceTokensAndSharesAmongRepeats()
    {
        using var model = CopyingModel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var gate = model.named_parameters().Single(p => p.name == "heads.summarize.copy.gate.bias").parameter;
        gate.fill_(-40); // p_gen ≈ 0: copy only
        var probabilities = DecoderOutput(model).exp();
        // Row 0's source is 5 17 23 42 17 (and padding, masked): all mass on those ids, none elsewhere.
        var sourceMass = probabilities[0].index_select(-1, tensor(new long[] { 5, 17, 23, 42 })).sum(-1);
        Assert.True((sourceMass - 1).abs().max().item<float>() < 1e-5, $"source tokens hold {sourceMass}");
        Assert.True(
            probabilities[0, TensorIndex.Colon, 0].max().item<float>() < 1e-6,
            "the masked padding id was copied"
        );
        // Row 1 copies from its own source only.
        Assert.True(probabilities[1].index_select(-1, tensor(new long[] { 5, 17, 23, 42 })).max().item<float>() < 1e-6);
    }

    [Fact]
    public void CopyingSummarizerLearnsSavesAndFineTunesOntoAPlainCheckpoint()
    {
        var root = fixture.NewDirectory("copy");
        var encoder = TinyRun.WriteEncoder(Path.Combine(root, "encoder"));
        var plainConfig = TrainingConfig.Load(TinyRun.WriteConfig(root, encoder, [TaskNames.Summarize]));
        var copyRoot = Directory.CreateDirectory(Path.Combine(root, "with-copy")).FullName;
        var copyConfig = TrainingConfig.Load(TinyRun.WriteConfig(copyRoot, encoder, [TaskNames.Summarize], copy: true));

        // Learns: the loss of a fixed batch falls over 40 steps.
        var options = new TrainerOptions { OutputDirectory = copyRoot };
        var data = TrainingSetup.LoadData(copyConfig, options, encoder);
        manual_seed(3);
        using var model = TrainingSetup.CreateModel(options, encoder, data);
        Assert.True(model.Decoder(TaskNames.Summarize).Copies);
        model.train();
        var batch = BatchTensors.From(
            data[TaskNames.Summarize].Train.Take(4).ToList(),
            data[TaskNames.Summarize].SourceTokenizer.PadId,
            0
        );
        using var optimizer = optim.AdamW(model.parameters(), 3e-3);
        var losses = new List<float>();
        for (var step = 0; step < 40; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = TaskLoss.Compute(model, TaskNames.Summarize, batch, 0.1);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(
            losses.TakeLast(3).Average() < 0.7 * losses.Take(3).Average(),
            $"copy loss did not fall: {string.Join(", ", losses)}"
        );

        // Saves and loads with the copy weights: the same outputs exactly.
        model.eval();
        var saved = Path.Combine(root, "saved");
        MultiTaskCheckpoint.Save(model, saved, encoder);
        using (var loaded = MultiTaskCheckpoint.Load(saved))
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var hidden = model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            var expected = model.DecoderLogits(
                TaskNames.Summarize,
                hidden,
                batch.AttentionMask,
                batch.DecoderInputIds!,
                batch.InputIds
            );
            var actual = loaded.DecoderLogits(
                TaskNames.Summarize,
                loaded.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds),
                batch.AttentionMask,
                batch.DecoderInputIds!,
                batch.InputIds
            );
            Assert.Equal(0f, (expected - actual).abs().max().item<float>());
        }

        // A checkpoint trained without copying, fine-tuned with "copy": true, gains a fresh pointer-generator and keeps
        // every trained weight.
        var plainRun = Path.Combine(root, "plain");
        new Trainer(
            plainConfig,
            new TrainerOptions
            {
                OutputDirectory = plainRun,
                MaxSteps = 2,
                Log = TextWriter.Null,
            }
        ).Run();
        var fromOptions = new TrainerOptions
        {
            OutputDirectory = Path.Combine(root, "ft"),
            From = Path.Combine(plainRun, "last"),
        };
        using var plain = MultiTaskCheckpoint.Load(Path.Combine(plainRun, "last"));
        using var tuned = TrainingSetup.CreateModel(
            fromOptions,
            fromOptions.From,
            TrainingSetup.LoadData(copyConfig, fromOptions, fromOptions.From)
        );
        Assert.True(tuned.Decoder(TaskNames.Summarize).Copies);
        var tunedWeights = tuned.state_dict();
        Assert.All(plain.state_dict(), p =>
            Assert.True(p.Value.allclose(tunedWeights[p.Key], rtol: 0, atol: 0), p.Key)
        );
        Assert.Contains("heads.summarize.copy.gate.weight", tunedWeights.Keys);
    }
}
