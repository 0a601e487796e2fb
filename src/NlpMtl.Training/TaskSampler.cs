using NlpMtl.Core.Numerics;

namespace NlpMtl.Training;

/// <summary>
/// Picks the task of each training step. Proportional sampling follows dataset sizes; temperature sampling uses
/// size^(1/T) (T = 1 is proportional, T → ∞ uniform; MT-DNN and T5 use it so small tasks are not drowned); uniform
/// gives every task the same share. A task's sampling weight (<see cref="TaskTrainingConfig.SamplingWeight"/>)
/// multiplies what the method gives it.
/// </summary>
public sealed class TaskSampler
{
    private readonly string[] tasks;
    private readonly double[] cumulative;
    private readonly SplitMix64 random;

    public TaskSampler(
        IReadOnlyDictionary<string, int> datasetSizes,
        SamplingConfig config,
        ulong state,
        IReadOnlyDictionary<string, double>? samplingWeights = null
    )
    {
        tasks = datasetSizes.Keys.Order(StringComparer.Ordinal).ToArray();
        var weights = tasks
            .Select(t =>
                (
                    config.Method switch
                    {
                        "proportional" => datasetSizes[t],
                        "temperature" => Math.Pow(datasetSizes[t], 1.0 / config.Temperature),
                        _ => 1.0,
                    }
                ) * (samplingWeights?.GetValueOrDefault(t, 1.0) ?? 1.0)
            )
            .ToArray();
        Probabilities = tasks.Zip(weights, (t, w) => (t, w / weights.Sum())).ToDictionary(p => p.t, p => p.Item2);
        var running = 0.0;
        cumulative = tasks.Select(t => running += Probabilities[t]).ToArray();
        random = new SplitMix64(state);
    }

    public IReadOnlyDictionary<string, double> Probabilities { get; }

    /// <summary>The sampler's position in its random sequence, for checkpoints.</summary>
    public ulong State => random.State;

    public string Next()
    {
        var u = random.NextDouble();
        var index = Array.FindIndex(cumulative, c => u < c);
        return tasks[index < 0 ? tasks.Length - 1 : index];
    }
}
