using System.Collections;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.TestSupport;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests;

/// <summary>The imported checkpoint, loaded into TorchSharp, reproduces the original ONNX model.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class PretrainedParityTests(PretrainedFixture fixture)
{
    const double Tolerance = 1e-4;

    static readonly IReadOnlyList<string> Sentences = ParityInputs.Sentences;

    [Fact]
    public void PretrainedCommandWritesTheFourFilesAndAccountsForEveryTensor()
    {
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(fixture.CheckpointDirectory, file)), file);
        var config = BertConfig.Load(Path.Combine(fixture.CheckpointDirectory, "config.json"));
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(BertConfig.MiniLmL6),
            System.Text.Json.JsonSerializer.Serialize(config)
        );
        Assert.Equal(103, fixture.Written.Tensors);
        // 148 initializers in model.onnx: 67 HF-named, 36 anonymous MatMul weights, position_ids, 44 int64 shape
        // constants.
        Assert.Equal(148, fixture.Written.Account.Total);
        Assert.Equal(36, fixture.Written.Account.TransposedMatMulWeights);
        Assert.DoesNotContain("\r", File.ReadAllText(Path.Combine(fixture.CheckpointDirectory, "vocab.txt")));
    }

    [Fact]
    public void SafetensorsCheckpointMatchesOriginalOnnx()
    {
        using var model = BertCheckpoint.Load(fixture.CheckpointDirectory);
        AssertMatchesOriginal(model, fixture.CheckpointDirectory);
    }

    [Fact]
    public void PyTorchBinCheckpointMatchesOriginalOnnx()
    {
        var directory = fixture.NewDirectory("bin");
        File.Copy(Path.Combine(fixture.CheckpointDirectory, "config.json"), Path.Combine(directory, "config.json"));
        File.Copy(Path.Combine(fixture.CheckpointDirectory, "vocab.txt"), Path.Combine(directory, "vocab.txt"));
        using (var source = BertCheckpoint.Load(fixture.CheckpointDirectory))
        {
            PyTorchPickler.PickleStateDict(
                Path.Combine(directory, CheckpointFiles.PyTorchBin),
                new Hashtable(source.state_dict())
            );
        }

        using var model = BertCheckpoint.Load(directory);
        AssertMatchesOriginal(model, directory);
    }

    void AssertMatchesOriginal(BertModel model, string checkpoint)
    {
        var tokenizer = BertInputTokenizer.FromCheckpoint(checkpoint);
        var batch = tokenizer.EncodeBatch(Sentences);
        Assert.True(batch.Lengths.Distinct().Count() >= 8, "sentences of at least 8 different lengths");
        using var original = new OriginalMiniLm(fixture.OriginalOnnx);
        var (expectedHidden, expectedPooled) = original.Run(batch);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        var output = model.call(
            tensor(batch.InputIds, shape),
            tensor(batch.AttentionMask, shape),
            tensor(batch.TokenTypeIds, shape)
        );
        var hidden = output.LastHiddenState.data<float>().ToArray();
        var pooled = output.PoolerOutput.data<float>().ToArray();

        var width = model.Config.HiddenSize;
        var maxHidden = 0.0;
        for (var b = 0; b < batch.BatchSize; b++)
        for (var t = 0; t < batch.Lengths[b]; t++) // non-padding positions only
        for (var h = 0; h < width; h++)
        {
            var i = (b * batch.SequenceLength + t) * width + h;
            maxHidden = Math.Max(maxHidden, Math.Abs(hidden[i] - expectedHidden[i]));
        }
        var maxPooled = pooled.Zip(expectedPooled, (a, e) => Math.Abs(a - e)).Max();

        Assert.True(maxHidden <= Tolerance, $"last_hidden_state max |Δ| = {maxHidden:E2}");
        Assert.True(maxPooled <= Tolerance, $"pooler_output max |Δ| = {maxPooled:E2}");
        Console.WriteLine(
            $"parity over {batch.BatchSize}×{batch.SequenceLength}: hidden max |Δ| {maxHidden:E2}, pooled "
                + $"{maxPooled:E2}"
        );
    }
}
