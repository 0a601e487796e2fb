using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>
/// Turns per-task losses into the loss that is back-propagated. <c>static</c>: fixed task weights. <c>uncertainty</c>
/// (Kendall et al. 2018): a learned log-variance s per task, loss = exp(−s)·L + s, so noisy or large-scale tasks are
/// down-weighted by the model itself. Optional normalisation divides each loss by its running mean first.
/// PCGrad works on gradients, not losses: see <see cref="PcGrad"/>.
/// </summary>
public sealed class LossBalancer
{
    const double EmaDecay = 0.98;
    private readonly BalancingConfig config;
    private readonly IReadOnlyDictionary<string, double> weights;
    private readonly Dictionary<string, double> runningMeans = [];

    public LossBalancer(BalancingConfig config, IReadOnlyDictionary<string, double> taskWeights)
    {
        this.config = config;
        weights = taskWeights;
        var tasks = taskWeights.Keys.Order(StringComparer.Ordinal).ToArray();
        TaskIndex = tasks.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        LogVariances = new Parameter(zeros(tasks.Length), requires_grad: config.Method == "uncertainty");
    }

    public IReadOnlyDictionary<string, int> TaskIndex { get; }

    /// <summary>Kendall's s per task (trained only with <c>uncertainty</c>).</summary>
    public Parameter LogVariances { get; }

    public IReadOnlyDictionary<string, double> RunningMeans => runningMeans;

    public void Restore(IReadOnlyDictionary<string, double> means, float[] logVariances)
    {
        foreach (var (task, mean) in means)
            runningMeans[task] = mean;
        using var noGrad = no_grad();
        LogVariances.copy_(tensor(logVariances));
    }

    public Tensor Combine(string task, Tensor loss)
    {
        var value = loss.item<float>();
        runningMeans[task] = runningMeans.TryGetValue(task, out var mean)
            ? EmaDecay * mean + (1 - EmaDecay) * value
            : value;
        var scaled = config.NormalizeLosses ? loss / Math.Max(runningMeans[task], 1e-6) : loss;
        if (config.Method != "uncertainty")
            return scaled * weights[task];
        var s = LogVariances[TaskIndex[task]];
        return exp(-s) * scaled + s;
    }
}
