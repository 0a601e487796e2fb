using System.Text.Json;
using System.Text.Json.Serialization;
using NlpMtl.Core;
using NlpMtl.Modeling.Bert;

namespace NlpMtl.Modeling.MultiTask;

/// <summary>Sentiment head: dropout + linear over a pooled encoding.</summary>
public sealed record SentimentHeadConfig
{
    /// <summary>Class labels in logit order, as read from the training data.</summary>
    public required string[] Labels { get; init; }

    /// <summary>The training data's raw labels and the names they were given (null: the labels are the data's
    /// own).</summary>
    public Dictionary<string, string>? LabelNames { get; init; }

    /// <summary><c>mean</c> (masked mean of the hidden states: all-MiniLM-L6-v2 was trained for it) or
    /// <c>cls</c>.</summary>
    public string Pooling { get; init; } = "mean";

    public double Dropout { get; init; } = 0.1;

    /// <summary>
    /// The tokens per window the head was trained on (<c>max_source_length</c>); the bundle serves windows of this
    /// length. Null in checkpoints written before it was recorded: export then serves 128.
    /// </summary>
    public int? MaxSourceLength { get; init; }
}

/// <summary>A generative head: a BERT2BERT decoder over a target vocabulary.</summary>
public sealed record DecoderHeadConfig
{
    /// <summary>Decoder depth; layer i is warm-started from encoder layer i.</summary>
    public int Layers { get; init; } = 3;

    /// <summary><c>encoder</c>: the encoder's WordPiece vocabulary (embeddings warm-started); <c>target</c>: the cased
    /// byte-level BPE saved in <see cref="TargetTokenizerDirectory"/> (embeddings fresh).</summary>
    public VocabularyKind Vocabulary { get; init; }

    /// <summary>Rows of the output layer (the vocabulary size).</summary>
    public int VocabSize { get; init; }

    /// <summary>Sub-directory of the checkpoint holding the target tokenizer files (vocabulary
    /// <c>target</c>).</summary>
    public string? TargetTokenizerDirectory { get; init; }

    public int PadId { get; init; }
    public int BosId { get; init; }
    public int EosId { get; init; }
    public int MaxSourceLength { get; init; } = 256;
    public int MaxTargetLength { get; init; } = 64;

    /// <summary>Translation: source and target languages (BCP-47), null when the config gave none.</summary>
    public string? SourceLanguage { get; init; }

    /// <inheritdoc cref="SourceLanguage"/>
    public string? TargetLanguage { get; init; }

    /// <summary>Generation defaults stored with the model (the bundle manifest repeats them).</summary>
    public int NumBeams { get; init; } = 4;
    public double LengthPenalty { get; init; } = 1.0;
    public int NoRepeatNgramSize { get; init; } = 3;

    /// <summary>
    /// Pointer-generator copying (See et al. 2017): the decoder's output mixes its vocabulary distribution with an
    /// attention distribution over the source tokens, so words of the document can be written without being learned
    /// as outputs. Needs the encoder's vocabulary (source ids are output ids).
    /// </summary>
    public bool Copy { get; init; }

    /// <summary>
    /// Weight of a sentence-classification loss trained beside the decoder (<see cref="SentenceSalienceHead"/>): for
    /// each document, a softmax over its sentences toward the one closest to the reference. 0 (default): no such
    /// head.
    /// </summary>
    public double SentenceSalienceWeight { get; init; }
}

/// <summary>
/// The heads of a <see cref="MultiTaskModel"/>, saved as <c>heads.json</c> beside the encoder's HF <c>config.json</c>.
/// Any subset of the three tasks may be present.
/// </summary>
public sealed record MultiTaskConfig
{
    public const string FileName = "heads.json";

    public SentimentHeadConfig? Sentiment { get; init; }
    public DecoderHeadConfig? Summarize { get; init; }
    public DecoderHeadConfig? Translate { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> Tasks =>
        [
            .. (Sentiment is null ? [] : new[] { TaskNames.Sentiment }),
            .. (Summarize is null ? [] : new[] { TaskNames.Summarize }),
            .. (Translate is null ? [] : new[] { TaskNames.Translate }),
        ];

    /// <summary>This config with <paramref name="task"/>'s decoder head set to <paramref name="head"/>.</summary>
    public MultiTaskConfig WithDecoder(string task, DecoderHeadConfig head) =>
        task switch
        {
            TaskNames.Summarize => this with { Summarize = head },
            TaskNames.Translate => this with { Translate = head },
            _ => throw new ArgumentException($"'{task}' is not a generative task", nameof(task)),
        };

    public DecoderHeadConfig Decoder(string task) =>
        task switch
        {
            TaskNames.Summarize => Summarize ?? throw new InvalidOperationException("the model has no summarize head"),
            TaskNames.Translate => Translate ?? throw new InvalidOperationException("the model has no translate head"),
            _ => throw new ArgumentException($"'{task}' is not a generative task", nameof(task)),
        };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, BertConfig.JsonOptions));

    public static MultiTaskConfig Load(string path)
    {
        try
        {
            var config = JsonSerializer.Deserialize<MultiTaskConfig>(File.ReadAllText(path), BertConfig.JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty heads config");
            if (config.Tasks.Count == 0)
                throw new InvalidDataException($"{path}: no heads configured");
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid heads config ({e.Message})", e);
        }
    }
}
