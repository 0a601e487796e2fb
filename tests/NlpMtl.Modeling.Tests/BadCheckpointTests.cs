using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.TestSupport;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests;

/// <summary>Every way a checkpoint directory can be wrong fails with a message naming the file and the key.</summary>
[Collection(TorchCollection.Name)]
public class BadCheckpointTests(PretrainedFixture fixture)
{
    /// <summary>A Tiny BERT checkpoint whose tensors <paramref name="edit"/> may change before saving.</summary>
    string TinyCheckpoint(
        Action<Dictionary<string, Tensor>>? edit = null,
        string weights = CheckpointFiles.Safetensors,
        Action<JsonObject>? editConfig = null
    )
    {
        var directory = fixture.NewDirectory("tiny");
        manual_seed(7);
        using var model = new BertModel(BertConfig.Tiny);
        var config = JsonNode.Parse(JsonSerializer.Serialize(BertConfig.Tiny, BertConfig.JsonOptions))!.AsObject();
        editConfig?.Invoke(config);
        File.WriteAllText(Path.Combine(directory, CheckpointFiles.Config), config.ToJsonString());
        var tensors = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        edit?.Invoke(tensors);
        var path = Path.Combine(directory, weights);
        if (weights == CheckpointFiles.Safetensors)
            BertCheckpoint.WriteSafetensors(path, tensors);
        else
            PyTorchPickler.PickleStateDict(path, new Hashtable(tensors));
        return directory;
    }

    [Fact]
    public void MissingKeyIsNamed()
    {
        var directory = TinyCheckpoint(t => t.Remove("encoder.layer.1.output.dense.bias"));
        var error = Assert.Throws<InvalidDataException>(() => BertCheckpoint.Load(directory));
        Assert.Contains("missing key 'encoder.layer.1.output.dense.bias'", error.Message);
        Assert.Contains(Path.Combine(directory, CheckpointFiles.Safetensors), error.Message);
    }

    [Fact]
    public void UnexpectedKeyIsNamed()
    {
        var directory = TinyCheckpoint(t => t["encoder.layer.5.attention.self.query.weight"] = zeros(32, 32));
        var error = Assert.Throws<InvalidDataException>(() => BertCheckpoint.Load(directory));
        Assert.Contains("unexpected key 'encoder.layer.5.attention.self.query.weight'", error.Message);
        Assert.Contains(CheckpointFiles.Safetensors, error.Message);
    }

    [Fact]
    public void ShapeMismatchNamesKeyAndBothShapes()
    {
        var directory = TinyCheckpoint(
            t => t["pooler.dense.weight"] = zeros(32, 31),
            weights: CheckpointFiles.PyTorchBin
        );
        var error = Assert.Throws<InvalidDataException>(() => BertCheckpoint.Load(directory));
        Assert.Contains("'pooler.dense.weight' has shape [32, 31], the model expects [32, 32]", error.Message);
        Assert.Contains(CheckpointFiles.PyTorchBin, error.Message);
    }

    [Fact]
    public void UnknownModelTypeNamesConfigAndType()
    {
        var directory = TinyCheckpoint(editConfig: c => c["model_type"] = "gpt2");
        var error = Assert.Throws<NotSupportedException>(() => BertCheckpoint.Load(directory));
        Assert.Contains("model_type 'gpt2' is not supported", error.Message);
        Assert.Contains(Path.Combine(directory, CheckpointFiles.Config), error.Message);
    }

    [Theory]
    [InlineData(CheckpointFiles.Safetensors)]
    [InlineData(CheckpointFiles.PyTorchBin)]
    public void TruncatedWeightsFileIsNamed(string weights)
    {
        var directory = TinyCheckpoint(weights: weights);
        var path = Path.Combine(directory, weights);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var error = Assert.Throws<InvalidDataException>(() => BertCheckpoint.Load(directory));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void NoWeightsNamesDirectory()
    {
        var directory = TinyCheckpoint();
        File.Delete(Path.Combine(directory, CheckpointFiles.Safetensors));
        var error = Assert.Throws<FileNotFoundException>(() => BertCheckpoint.Load(directory));
        Assert.Contains(directory, error.Message);
        Assert.Contains("no weights found", error.Message);
    }

    [Fact]
    public void MissingShardNamesIndexAndShard()
    {
        var directory = ShardedCheckpoint();
        File.Delete(Path.Combine(directory, "model-00002-of-00002.safetensors"));
        var error = Assert.Throws<FileNotFoundException>(() => BertCheckpoint.Load(directory));
        Assert.Contains(CheckpointFiles.SafetensorsIndex, error.Message);
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
    }

    [Fact]
    public void ShardedCheckpointLoadsLikeTheSingleFile()
    {
        var single = TinyCheckpoint();
        var sharded = ShardedCheckpoint();
        using var a = BertCheckpoint.Load(single);
        using var b = BertCheckpoint.Load(sharded);
        AssertSameOutputs(a, b);
    }

    [Fact]
    public void TaskModelCheckpointWithBertPrefixHeadsAndGammaBetaLoads()
    {
        var plain = TinyCheckpoint();
        // BertForSequenceClassification as old Google conversions saved it: "bert." prefix, LayerNorm gamma/beta, a
        // head.
        var task = TinyCheckpoint(
            t =>
            {
                foreach (var key in t.Keys.ToList())
                {
                    var renamed =
                        "bert."
                        + key.Replace("LayerNorm.weight", "LayerNorm.gamma")
                            .Replace("LayerNorm.bias", "LayerNorm.beta");
                    t[renamed] = t[key];
                    t.Remove(key);
                }
                t["classifier.weight"] = zeros(2, 32);
                t["classifier.bias"] = zeros(2);
            },
            editConfig: c => c["architectures"] = new JsonArray("BertForSequenceClassification")
        );
        using var a = BertCheckpoint.Load(plain);
        using var b = BertCheckpoint.Load(task);
        AssertSameOutputs(a, b);
    }

    [Fact]
    public void HeadWeightsAreUnexpectedWhenConfigNamesNoHead()
    {
        var directory = TinyCheckpoint(t =>
        {
            foreach (var key in t.Keys.ToList())
            {
                t["bert." + key] = t[key];
                t.Remove(key);
            }
            t["classifier.weight"] = zeros(2, 32);
        });
        var error = Assert.Throws<InvalidDataException>(() => BertCheckpoint.Load(directory));
        Assert.Contains("unexpected key 'classifier.weight'", error.Message);
    }

    string ShardedCheckpoint()
    {
        var directory = TinyCheckpoint();
        var single = Path.Combine(directory, CheckpointFiles.Safetensors);
        var tensors = Safetensors.LoadStateDict(single);
        File.Delete(single);
        var keys = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var shards = new[] { keys.Take(keys.Count / 2).ToList(), keys.Skip(keys.Count / 2).ToList() };
        var map = new JsonObject();
        for (var i = 0; i < shards.Length; i++)
        {
            var name = $"model-{i + 1:D5}-of-00002.safetensors";
            BertCheckpoint.WriteSafetensors(
                Path.Combine(directory, name),
                shards[i].ToDictionary(k => k, k => tensors[k])
            );
            foreach (var key in shards[i])
                map[key] = name;
        }
        File.WriteAllText(
            Path.Combine(directory, CheckpointFiles.SafetensorsIndex),
            new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString()
        );
        return directory;
    }

    static void AssertSameOutputs(BertModel a, BertModel b)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 2, 5, 9, 14, 3, 0 }, [1, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }, [1, 6]);
        var x = a.call(ids, mask, zeros_like(ids)).LastHiddenState;
        var y = b.call(ids, mask, zeros_like(ids)).LastHiddenState;
        Assert.Equal(0f, (x - y).abs().max().item<float>());
    }
}
