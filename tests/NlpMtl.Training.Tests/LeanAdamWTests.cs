using NlpMtl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>LeanAdamW must be TorchSharp's AdamW, only cheaper.</summary>
[Collection(TorchCollection.Name)]
public class LeanAdamWTests
{
    [Fact]
    public void LeanAdamWFollowsTorchSharpAdamW()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var start = new[] { randn(50, 8), randn(8), randn(3, 4) };
        var reference = start.Select(t => new Parameter(t.clone())).ToList();
        var lean = start.Select(t => new Parameter(t.clone())).ToList();
        AdamW.ParamGroup[] Groups(List<Parameter> p) =>
            [
                new([p[0]], lr: 1e-2, weight_decay: 0.01),
                new([p[1]], lr: 1e-2, weight_decay: 0.0),
                new([p[2]], lr: 5e-2, weight_decay: 0.1),
            ];
        using var stock = optim.AdamW(Groups(reference));
        using var ours = new LeanAdamW(Groups(lean));

        for (var step = 0; step < 25; step++)
        {
            // The third tensor skips every other step (no gradient): both must leave it, and its step count, alone.
            var grads = start.Select(t => randn(t.shape)).ToArray();
            foreach (var (parameters, optimizer) in new[] { (reference, (optim.Optimizer)stock), (lean, ours) })
            {
                for (var i = 0; i < parameters.Count; i++)
                    parameters[i].grad = i == 2 && step % 2 == 1 ? null : grads[i].clone();
                optimizer.step();
            }
        }

        for (var i = 0; i < start.Length; i++)
        {
            var difference = (reference[i] - lean[i]).abs().max().item<float>();
            var moved = (reference[i] - start[i]).abs().max().item<float>();
            Assert.True(moved > 0.05, $"tensor {i} barely moved ({moved})");
            Assert.True(difference < 1e-5, $"tensor {i}: max |Δ| = {difference}");
        }
    }

    /// <summary>
    /// The fused pass (clip factor applied as gradients are read, one sweep for the update) against the stock pair
    /// clip_grad_norm_ + AdamW, with clipping active (large gradients) and inactive, on tensors larger than one work
    /// chunk and of lengths that are no multiple of the vector width.
    /// </summary>
    [Theory]
    [InlineData(1.0, 10f)]
    [InlineData(1e6, 1f)]
    public void ClipAndStepFollowsClipGradNormThenAdamW(double maxNorm, float gradientSize)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var start = new[] { randn(300, 257), randn(7), randn(3, 5) }; // 77,100 elements: two chunks
        var reference = start.Select(t => new Parameter(t.clone())).ToList();
        var fused = start.Select(t => new Parameter(t.clone())).ToList();
        AdamW.ParamGroup[] Groups(List<Parameter> p) =>
            [new([p[0], p[1]], lr: 1e-2, weight_decay: 0.01), new([p[2]], lr: 5e-2, weight_decay: 0.0)];
        using var stock = optim.AdamW(Groups(reference));
        using var ours = new LeanAdamW(Groups(fused));

        for (var step = 0; step < 12; step++)
        {
            var grads = start.Select(t => randn(t.shape) * gradientSize).ToArray();
            for (var i = 0; i < start.Length; i++)
            {
                reference[i].grad = i == 1 && step % 3 == 2 ? null : grads[i].clone();
                fused[i].grad = i == 1 && step % 3 == 2 ? null : grads[i].clone();
            }
            var stockNorm = nn.utils.clip_grad_norm_(reference.Where(p => p.grad is not null), maxNorm);
            stock.step();
            var fusedNorm = ours.ClipAndStep(maxNorm);
            Assert.Equal(stockNorm, fusedNorm, stockNorm * 1e-5);
            Assert.True(ours.LastStepFused, "the fused path did not run");
        }

        for (var i = 0; i < start.Length; i++)
        {
            var difference = (reference[i] - fused[i]).abs().max().item<float>();
            var moved = (reference[i] - start[i]).abs().max().item<float>();
            Assert.True(moved > 0.05, $"tensor {i} barely moved ({moved})");
            Assert.True(difference < 1e-5, $"tensor {i}: max |Δ| = {difference}");
        }
    }
}
