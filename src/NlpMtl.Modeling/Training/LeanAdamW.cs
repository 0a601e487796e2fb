using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Training;

/// <summary>
/// TorchSharp's AdamW with the same update and the same state (so <c>save_py</c>/<c>load_py</c> and resume are
/// unchanged), written to touch memory less. The stock step allocates two parameter-sized temporaries per tensor
/// (<c>sqrt</c>, then the division by √(1−β₂ᵗ)) — for the 30,522×384 word embeddings that is 94 MB of fresh pages every
/// step — and makes four passes for the denominator. Here the bias corrections are folded into two scalars:
/// √v̂ + ε = (√v + ε·√c₂)/√c₂, so p −= lr/c₁ · m/(√v̂+ε) becomes p −= (lr·√c₂/c₁) · m/(√v + ε·√c₂), computed in one
/// reused scratch buffer, and the first moment is one <c>lerp_</c>.
/// </summary>
public sealed class LeanAdamW : AdamW
{
    readonly Tensor scratch;

    public LeanAdamW(IEnumerable<ParamGroup> groups) : this(groups.ToList()) { }

    LeanAdamW(List<ParamGroup> groups) : base(groups)
    {
        var largest = groups.SelectMany(g => g.Parameters).Select(p => p.numel()).DefaultIfEmpty(1).Max();
        scratch = empty(largest);
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
        double decay = options.weight_decay!.Value, rate = options.LearningRate!.Value;
        foreach (var param in group.Parameters)
        {
            using var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            var correction1 = 1 - Math.Pow(beta1, state.step);
            var correction2Root = Math.Sqrt(1 - Math.Pow(beta2, state.step));

            if (decay != 0) param.mul_(1 - rate * decay);
            state.exp_avg.lerp_(grad, 1 - beta1);
            state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
            using var denominator = scratch.narrow(0, 0, param.numel()).view(param.shape);
            denominator.copy_(state.exp_avg_sq).sqrt_().add_(eps * correction2Root);
            param.addcdiv_(state.exp_avg, denominator, value: -rate * correction2Root / correction1);
        }
    }, closure);

    protected override void Dispose(bool disposing)
    {
        if (disposing) scratch.Dispose();
        base.Dispose(disposing);
    }
}
