using System.Text.Json;
using NlpMtl.Modeling.Bert;

namespace NlpMtl.Training;

/// <summary>Everything besides weights and optimizer moments that a resumed run needs to continue
/// identically.</summary>
public sealed record TrainerState
{
    public const string FileName = "trainer_state.json";
    public const string OptimizerFile = "optimizer.bin";

    public long Step { get; init; }
    public long Horizon { get; init; }
    public ulong SamplerState { get; init; }
    public ulong PcGradState { get; init; }

    /// <summary>The run's seed (<see cref="TrainingConfig.Seed"/> or <c>--seed</c>); null in states saved before it
    /// was recorded.</summary>
    public int? Seed { get; init; }
    public Dictionary<string, int[]> BatchPositions { get; init; } = []; // task → [epoch, position]
    public Dictionary<string, double> LossRunningMeans { get; init; } = [];
    public float[] LogVariances { get; init; } = [];
    public double BestScore { get; init; } = double.NegativeInfinity;
    public long BestStep { get; init; }
    public int EvaluationsWithoutImprovement { get; init; }
    public double ElapsedSeconds { get; init; }

    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: nothing to resume (no trainer state)");
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException($"{path}: empty");
    }

    static readonly JsonSerializerOptions Options = new(BertConfig.JsonOptions)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
