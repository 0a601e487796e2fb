using NlpMtl.Modeling.Bert;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests;

/// <summary>FastDropout is nn.Dropout with a cheaper mask: same statistics, same gradient, reproducible under
/// manual_seed.</summary>
[Collection(TorchCollection.Name)]
public class FastDropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void DropsTheRightFractionAndScalesTheRest(double p)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        const int n = 1_000_003; // odd: the last element takes half a 64-bit draw
        var output = FastDropout.Apply(ones(n), p);
        var dropped = (output == 0).sum().item<long>() / (double)n;
        Assert.InRange(dropped, p - 0.003, p + 0.003); // ~6 standard deviations at p = 0.5
        var kept = output.masked_select(output != 0);
        Assert.Equal(1 / (1 - p), kept.min().item<float>(), 1e-6);
        Assert.Equal(1 / (1 - p), kept.max().item<float>(), 1e-6);
        // No long runs or stripes: neighbouring elements are dropped independently.
        var pairs = ((output[..(n - 1)] == 0) & (output[1..] == 0)).sum().item<long>() / (double)(n - 1);
        Assert.InRange(pairs, p * p - 0.003, p * p + 0.003);
    }

    [Fact]
    public void ManualSeedRepeatsTheMaskAndSuccessiveCallsDiffer()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        var first = FastDropout.KeepMask([64, 100], 0.1);
        var second = FastDropout.KeepMask([64, 100], 0.1);
        manual_seed(42);
        var again = FastDropout.KeepMask([64, 100], 0.1);
        Assert.Equal(0, (first != again).sum().item<long>());
        Assert.NotEqual(0, (first != second).sum().item<long>());
    }

    [Fact]
    public void GradientIsTheMaskAndEvalModeIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var dropout = new FastDropout(0.2);
        var x = randn(32, 50, requires_grad: true);
        var y = dropout.call(x);
        y.sum().backward();
        var mask = y / x.detach(); // 0 or 1/(1 − p) per element
        Assert.True(x.grad!.allclose(mask, rtol: 1e-5, atol: 1e-6));
        dropout.eval();
        Assert.Equal(0, (dropout.call(x) != x).sum().item<long>());
    }

    /// <summary>
    /// The training path that materialises the scores (taken whenever attention dropout is on) computes what
    /// scaled_dot_product_attention computes, with the padding mask or the causal mask: with a probability too small
    /// to drop anything, training output equals eval output.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AttentionWithDropoutPathMatchesFusedAttention(bool causal)
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var attention = new BertSelfAttention(BertConfig.Tiny);
        var x = randn(3, 7, BertConfig.Tiny.HiddenSize);
        // the decoder's causal self-attention takes no padding mask (PyTorch allows one or the other)
        Tensor? mask = null;
        if (!causal)
        {
            mask = zeros(3, 1, 1, 7);
            mask[0, 0, 0, 5..] = tensor(float.MinValue); // row 0 has two padded keys
        }
        attention.eval();
        var expected = attention.Attend(x, x, mask, causal, cache: null);
        attention.train();
        attention.DropoutProbability = 1e-12; // rounds to a drop threshold of 0: nothing is dropped
        var actual = attention.Attend(x, x, mask, causal, cache: null);
        Assert.True(
            actual.allclose(expected, rtol: 1e-5, atol: 1e-6),
            $"max |Δ| {(actual - expected).abs().max().item<float>()}"
        );
        attention.DropoutProbability = 0.5;
        Assert.False(attention.Attend(x, x, mask, causal, cache: null).allclose(expected, rtol: 1e-3, atol: 1e-4));
    }
}
