using NlpMtl.Modeling.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Training;

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

    public LeanAdamW(IEnumerable<ParamGroup> groups)
        : this(groups.ToList()) { }

    LeanAdamW(List<ParamGroup> groups)
        : base(groups)
    {
        var largest = groups.SelectMany(g => g.Parameters).Select(p => p.numel()).DefaultIfEmpty(1).Max();
        scratch = empty(largest);
    }

    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = (Options)group.Options;
                double beta1 = options.beta1!.Value,
                    beta2 = options.beta2!.Value;
                double decay = options.weight_decay!.Value,
                    rate = options.LearningRate!.Value;
                foreach (var param in group.Parameters)
                {
                    using var grad = param.grad;
                    if (grad is null)
                        continue;
                    var state = (State)_state[param.Handle];
                    var (epsilonScaled, stepSize) = NextStep(state, options);

                    if (decay != 0)
                        param.mul_(1 - rate * decay);
                    state.exp_avg.lerp_(grad, 1 - beta1);
                    state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                    using var denominator = scratch.narrow(0, 0, param.numel()).view(param.shape);
                    denominator.copy_(state.exp_avg_sq).sqrt_().add_(epsilonScaled);
                    param.addcdiv_(state.exp_avg, denominator, value: -stepSize);
                }
            },
            closure
        );

    /// <summary> <c>clip_grad_norm_(parameters with a gradient, maxNorm)</c> then <see cref="step"/>, fused
    /// (<see cref="FusedAdamW"/>): the clip factor scales each gradient as the update reads it. Falls back to the two
    /// calls when a tensor is not contiguous float32 on the CPU. </summary> <returns>The gradients' global L2 norm
    /// before clipping.</returns>
    public unsafe double ClipAndStep(double maxNorm)
    {
        LastStepFused = false;
        var work = new List<(Parameter Parameter, Tensor Gradient, State State, Options Options)>();
        try
        {
            foreach (var group in _parameter_groups.Cast<ParamGroup>())
            foreach (var param in group.Parameters)
                if (param.grad is { } grad)
                    work.Add((param, grad, (State)_state[param.Handle], (Options)group.Options));
            if (
                !work.All(w =>
                    TensorMemory.IsFlatFloat32(w.Parameter)
                    && TensorMemory.IsFlatFloat32(w.Gradient)
                    && TensorMemory.IsFlatFloat32(w.State.exp_avg)
                    && TensorMemory.IsFlatFloat32(w.State.exp_avg_sq)
                    && w.Gradient.numel() == w.Parameter.numel()
                )
            )
            {
                var norm = nn.utils.clip_grad_norm_(work.Select(w => w.Parameter), maxNorm);
                step();
                return norm;
            }

            var total = Math.Sqrt(
                FusedAdamW.SumOfSquares(
                    work.Select(w => ((nint)TensorMemory.Floats(w.Gradient), w.Gradient.numel())).ToList()
                )
            );
            // clip_grad_norm_'s clip coefficient, clamped at 1
            var scale = (float)Math.Min(1.0, maxNorm / (total + 1e-6));
            var slots = work.Select(w =>
                {
                    var (epsilonScaled, stepSize) = NextStep(w.State, w.Options);
                    double beta1 = w.Options.beta1!.Value,
                        beta2 = w.Options.beta2!.Value;
                    return new FusedAdamW.Slot(
                        (nint)TensorMemory.Floats(w.Parameter),
                        (nint)TensorMemory.Floats(w.Gradient),
                        (nint)TensorMemory.Floats(w.State.exp_avg),
                        (nint)TensorMemory.Floats(w.State.exp_avg_sq),
                        w.Parameter.numel(),
                        (float)(1 - w.Options.LearningRate!.Value * w.Options.weight_decay!.Value),
                        (float)(1 - beta1),
                        (float)beta2,
                        (float)(1 - beta2),
                        (float)epsilonScaled,
                        (float)stepSize
                    );
                })
                .ToList();
            FusedAdamW.Update(slots, scale);
            LastStepFused = true;
            return total;
        }
        finally
        {
            foreach (var w in work)
                w.Gradient.Dispose();
        }
    }

    /// <summary>
    /// Counts one more step for a parameter and returns its bias-corrected scalars: ε·√c₂ (added to √v) and
    /// lr·√c₂/c₁ (the step along m/(√v + ε·√c₂)), with c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ.
    /// </summary>
    static (double EpsilonScaled, double StepSize) NextStep(State state, Options options)
    {
        state.step += 1;
        var correction1 = 1 - Math.Pow(options.beta1!.Value, state.step);
        var correction2Root = Math.Sqrt(1 - Math.Pow(options.beta2!.Value, state.step));
        return (options.eps!.Value * correction2Root, options.LearningRate!.Value * correction2Root / correction1);
    }

    /// <summary>Whether the last <see cref="ClipAndStep"/> took the fused path (false after a fallback).</summary>
    public bool LastStepFused { get; private set; }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            scratch.Dispose();
        base.Dispose(disposing);
    }
}
