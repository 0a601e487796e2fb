using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests;

[Collection(TorchCollection.Name)]
public class TorchSharpLoadsTests
{
    [Fact]
    public void TinyBertRunsForwardAndBackward()
    {
        TorchSharpNative.EnsureLoadable();
        manual_seed(1);
        using var model = new BertModel(BertConfig.Tiny);
        model.train();
        using var scope = NewDisposeScope();
        var ids = randint(1, 99, [3, 7], dtype: ScalarType.Int64);
        var mask = ones(3, 7, dtype: ScalarType.Int64);
        mask[2, TensorIndex.Slice(4)] = zeros(3, dtype: ScalarType.Int64);

        var output = model.call(ids, mask, zeros_like(ids));
        Assert.Equal([3L, 7, 32], output.LastHiddenState.shape);
        Assert.Equal([3L, 32], output.PoolerOutput.shape);

        var loss = output.LastHiddenState.pow(2).mean() + output.PoolerOutput.sum();
        loss.backward();
        var grads = model.parameters().Select(p => p.grad).ToList();
        Assert.All(grads, g => Assert.NotNull(g));
        Assert.True(grads.Sum(g => g!.abs().sum().item<float>()) > 0);
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void StateDictNamesAreHuggingFaces()
    {
        using var model = new BertModel(BertConfig.Tiny);
        var names = model.state_dict().Keys.ToHashSet();

        Assert.Contains("embeddings.word_embeddings.weight", names);
        Assert.Contains("embeddings.LayerNorm.weight", names);
        Assert.Contains("encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("encoder.layer.1.attention.output.LayerNorm.bias", names);
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", names);
        Assert.Contains("encoder.layer.0.output.dense.bias", names);
        Assert.Contains("pooler.dense.weight", names);
        Assert.Equal(5 + 2 * 16 + 2, names.Count);
    }
}
