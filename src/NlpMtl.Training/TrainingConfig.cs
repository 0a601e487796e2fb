using System.Text.Json;
using System.Text.Json.Serialization;
using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;

namespace NlpMtl.Training;

/// <summary>One task's data and head settings in a training config.</summary>
public sealed record TaskTrainingConfig
{
    /// <summary>Training data: sentiment TSV/JSONL, seq2seq JSONL, or the source side of two aligned text
    /// files.</summary>
    public string Train { get; init; } = "";

    /// <summary>Target side of aligned text files (translation), else null.</summary>
    public string? TrainTarget { get; init; }
    public string? Validation { get; init; }
    public string? ValidationTarget { get; init; }

    /// <summary>Static loss weight (balancing <c>static</c>).</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>
    /// Multiplies the task's sampling weight from <see cref="SamplingConfig.Method"/>: under <c>uniform</c> the
    /// tasks' step shares are proportional to these. For tasks that learn at different rates in a fixed time budget
    /// (a decoder trained from scratch against a sentence classifier that plateaus early).
    /// </summary>
    public double SamplingWeight { get; init; } = 1.0;
    public int BatchSize { get; init; } = 32;
    public int MaxSourceLength { get; init; } = 128;
    public int MaxTargetLength { get; init; } = 64;

    /// <summary>Use at most this many training examples (null: all).</summary>
    public int? MaxTrainExamples { get; init; }

    // Sentiment head
    public string Pooling { get; init; } = "mean";

    /// <summary>
    /// Sentiment: a text longer than <see cref="MaxSourceLength"/> trains as consecutive windows; with this set, each
    /// pass over the training texts reads at most this many of a text's windows, the next ones on the next pass (from
    /// a point drawn per text), so every window is read within ceil(windows / this) passes. Long reviews then fill
    /// fewer of the task's batches, and a full window costs as much as many short sentences. Unset: every window on
    /// every pass.
    /// </summary>
    public int? WindowsPerPass { get; init; }
    public double Dropout { get; init; } = 0.1;

    // Decoder heads
    public int DecoderLayers { get; init; } = 3;

    /// <summary><c>encoder</c> (the encoder's WordPiece vocabulary) or <c>target</c> (a cased target
    /// tokenizer).</summary>
    public VocabularyKind Vocabulary { get; init; }

    /// <summary>Directory of the target tokenizer files (vocabulary <c>target</c>).</summary>
    public string? TargetTokenizer { get; init; }

    /// <summary>Translation: the languages of the source and of the target (BCP-47, e.g. "en" and "de"). With both,
    /// a number the bundle puts back into a translation takes the target's separators
    /// (<see cref="Core.Text.NumberConvention"/>); without, it stays as the source writes it.</summary>
    public string? SourceLanguage { get; init; }

    /// <inheritdoc cref="SourceLanguage"/>
    public string? TargetLanguage { get; init; }
    public int NumBeams { get; init; } = 4;
    public double LengthPenalty { get; init; } = 1.0;
    public int NoRepeatNgramSize { get; init; } = 3;

    /// <summary>A pointer-generator copy distribution over the source tokens (vocabulary <c>encoder</c>
    /// only).</summary>
    public bool Copy { get; init; }

    /// <summary>
    /// Also train on (source → extractive oracle) pairs, from the sentences the data marks with <c>source_labels</c>
    /// (SciTLDR): a second, extractive target per document that teaches the decoder which sentence carries the
    /// paper's claim. Validation still scores against the references only.
    /// </summary>
    public bool ExtractiveOracleTargets { get; init; }

    /// <summary>
    /// Summarization: also train a sentence classifier on the shared encoder (BERTSumExt-style,
    /// <c>SentenceSalienceHead</c>), with this weight on its loss: each document's source is read sentence by sentence
    /// as serving reads it, and a softmax over its sentences is pulled toward the one with the highest mean ROUGE-1/2/L
    /// against the references. The encoder's states then carry which sentence states the point, which the bundle's
    /// sentence ranker reads. Unset (default): off, except on a fine-tune of a checkpoint with the classifier, which
    /// trains it on at the checkpoint's weight. 0: off, and such a fine-tune drops the checkpoint's classifier.
    /// </summary>
    public double? SentenceSalienceWeight { get; init; }

    /// <summary>
    /// Summarization with a sentence classifier: its loss reaches the shared encoder only while the task reads its
    /// first this many passes over its training examples; after that the classifier's head trains on alone, over
    /// the encoder's states detached, so the encoder stops memorising the training documents' best sentences
    /// (docs/training.md). Unset: no limit. 0: the head never trains the encoder.
    /// </summary>
    public int? SentenceSalienceEncoderEpochs { get; init; }

    /// <summary>
    /// Sentiment: a name for each label as the data writes it (<c>{"0": "negative", "1": "positive"}</c>). The head,
    /// the bundle and every prediction then carry the names; without a map the data's own labels are used as they are.
    /// </summary>
    public Dictionary<string, string>? LabelNames { get; init; }
}

public sealed record SamplingConfig
{
    /// <summary><c>proportional</c> (to dataset size), <c>temperature</c> (size^(1/T)), or <c>uniform</c>.</summary>
    public string Method { get; init; } = "temperature";
    public double Temperature { get; init; } = 2.0;
}

public sealed record BalancingConfig
{
    /// <summary><c>static</c> (task weights), <c>uncertainty</c> (Kendall et al. 2018) or <c>pcgrad</c> (Yu et al.
    /// 2020).</summary>
    public string Method { get; init; } = "static";

    /// <summary>Divide each task's loss by its running mean so tasks of different scale weigh alike.</summary>
    public bool NormalizeLosses { get; init; }
}

public sealed record OptimizerConfig
{
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Learning rate of head parameters (fresh cross-attention and classifiers learn faster); null:
    /// same.</summary>
    public double? HeadLearningRate { get; init; }
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupRatio { get; init; } = 0.06;
    public double MaxGradNorm { get; init; } = 1.0;
    public int AccumulationSteps { get; init; } = 1;
    public double LabelSmoothing { get; init; } = 0.1;
}

public sealed record EvaluationConfig
{
    public int EverySteps { get; init; } = 500;

    /// <summary>Validation examples per task per evaluation (null: all).</summary>
    public int? MaxExamples { get; init; } = 500;

    /// <summary>Stop after this many evaluations without a better combined score (0: never).</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Beams during evaluation (1: greedy, faster).</summary>
    public int NumBeams { get; init; } = 1;
    public int BatchSize { get; init; } = 32;

    /// <summary>After training, the best checkpoint is scored on this many validation examples per task (null:
    /// all)…</summary>
    public int? FinalMaxExamples { get; init; }

    /// <summary>…with this many beams (the heads' own settings when null), and the result written to
    /// final_metrics.json.</summary>
    public int? FinalNumBeams { get; init; }

    /// <summary>Skip the final evaluation (tests, quick runs).</summary>
    public bool Final { get; init; } = true;
}

/// <summary> A training run: <c>nlpmtl train --config FILE</c>. Data paths (train, train_target, validation,
/// validation_target) are read by <see cref="ResolveData"/>, target_tokenizer by <see cref="ResolveDataDirectory"/>;
/// base_model is relative to the file. </summary>
public sealed record TrainingConfig
{
    /// <summary>An HF checkpoint directory, a Hub model <c>ORG/NAME[@REVISION]</c> (docs/hub.md), or <c>pretrained</c>
    /// for the embedded all-MiniLM-L6-v2.</summary>
    public string BaseModel { get; init; } = "pretrained";
    public int Seed { get; init; } = 42;
    public Dictionary<string, TaskTrainingConfig> Tasks { get; init; } = [];
    public SamplingConfig Sampling { get; init; } = new();
    public BalancingConfig Balancing { get; init; } = new();
    public OptimizerConfig Optimizer { get; init; } = new();
    public EvaluationConfig Evaluation { get; init; } = new();
    public long MaxSteps { get; init; } = 1000;
    public double? TimeBudgetMinutes { get; init; }
    public int Threads { get; init; }

    /// <summary> Attention-probability dropout of the encoder and decoders for this run (null: the base checkpoint's
    /// <c>attention_probs_dropout_prob</c>, 0.1 for MiniLM). 0 lets PyTorch's fused CPU attention run: measured on
    /// configs/full.json, the summarize step's forward fell from 1.24 to 0.50 s. Changes the recipe, not the
    /// checkpoint. </summary>
    public double? AttentionDropout { get; init; }

    /// <summary>
    /// "auto" (measured at the start of each run, <see cref="PrecisionChoice"/>), "fp32", or "bf16" for mixed
    /// precision: matrix products in bfloat16, parameters, optimizer, LayerNorm, softmax and losses in float32 (see
    /// <see cref="MixedPrecision"/>). bfloat16 pays only on CPUs with AMX or AVX512-BF16 (and on GPUs); elsewhere
    /// libtorch emulates it. Evaluation, generation and export stay float32.
    /// </summary>
    public string Precision { get; init; } = MixedPrecision.Auto;

    [JsonIgnore]
    public string Directory { get; init; } = ".";

    /// <summary>Each task's <see cref="TaskTrainingConfig.SamplingWeight"/>, for <see cref="TaskSampler"/>.</summary>
    public IReadOnlyDictionary<string, double> SamplingWeights() =>
        Tasks.ToDictionary(p => p.Key, p => p.Value.SamplingWeight);

    /// <summary>The environment variable naming the data root when <c>--data</c> does not.</summary>
    public const string DataRootVariable = "NLPMTL_DATA";

    /// <summary>The folder data paths are read under: <c>--data</c>, else <c>$NLPMTL_DATA</c>, else none (the config's
    /// folder).</summary>
    [JsonIgnore]
    public string? DataRoot { get; init; }

    public string Resolve(string path) => Path.GetFullPath(Path.Combine(Directory, path));

    /// <summary> A data path of the config: absolute paths as they are; paths starting with <c>./</c> or <c>../</c>
    /// relative to the config file (data that ships beside it, as samples/ does); any other relative path under the
    /// data root, or the config's folder when no root is given. So one config runs on any machine:
    /// <c>"sst2/train.tsv"</c> with <c>--data ~/nlp-data</c> on one and <c>NLPMTL_DATA=/mnt/data</c> on another.
    /// </summary>
    public string ResolveData(string path) => ResolveUnderDataRoot(path, File.Exists);

    /// <summary>A data folder (a target tokenizer built from the data), read by the same rule as
    /// <see cref="ResolveData"/>.</summary>
    public string ResolveDataDirectory(string path) => ResolveUnderDataRoot(path, System.IO.Directory.Exists);

    string ResolveUnderDataRoot(string path, Func<string, bool> exists)
    {
        if (Path.IsPathRooted(path) || IsConfigRelative(path))
            return Resolve(path);
        var full = DataRoot is null ? Resolve(path) : Path.GetFullPath(Path.Combine(DataRoot, path));
        if (exists(full))
            return full;
        throw new FileNotFoundException(
            DataRoot is null
                ? $"{path}: not found next to the config ({full}); data paths without ./ or ../ are read under "
                    + $"the data root: pass --data DIR or set {DataRootVariable}"
                : $"{path}: not found under the data root {DataRoot} ({full})"
        );
    }

    static bool IsConfigRelative(string path) =>
        path.StartsWith("./", StringComparison.Ordinal)
        || path.StartsWith("../", StringComparison.Ordinal)
        || path.StartsWith(".\\", StringComparison.Ordinal)
        || path.StartsWith("..\\", StringComparison.Ordinal);

    /// <summary>Reads a config; <paramref name="dataRoot"/> (<c>--data</c>) wins over <c>$NLPMTL_DATA</c>.</summary>
    public static TrainingConfig Load(string path, string? dataRoot = null)
    {
        // File.ReadAllText says "Access to the path is denied" for a folder, and names no option.
        if (System.IO.Directory.Exists(path))
            throw new FileNotFoundException(
                $"--config {path} is a directory; give a training config file (e.g. configs/demo.json)"
            );
        if (!File.Exists(path))
            throw new FileNotFoundException($"--config {path}: no such file");
        TrainingConfig config;
        try
        {
            config = JsonSerializer.Deserialize<TrainingConfig>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty training config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid training config at {e.Path} ({e.Message})", e);
        }
        dataRoot ??= Environment.GetEnvironmentVariable(DataRootVariable) is { Length: > 0 } variable ? variable : null;
        if (dataRoot is not null && !System.IO.Directory.Exists(dataRoot))
            throw new DirectoryNotFoundException(
                $"{path}: the data root {Path.GetFullPath(dataRoot)} (--data or {DataRootVariable}) does not exist"
            );
        config = config with
        {
            Directory = Path.GetDirectoryName(Path.GetFullPath(path))!,
            DataRoot = dataRoot is null ? null : Path.GetFullPath(dataRoot),
        };
        config.Validate(path);
        return config;
    }

    public static readonly JsonSerializerOptions JsonOptions = new(BertConfig.JsonOptions)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    void Validate(string source) => TrainingConfigValidator.Validate(this, source);
}
