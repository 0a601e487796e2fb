using NlpMtl.Core;
using NlpMtl.Core.Data;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.MultiTask;

namespace NlpMtl.Training;

/// <summary>One task's tokenized training set, raw validation set, labels or decoder vocabulary.</summary>
public sealed class TaskData
{
    public required string Task { get; init; }
    public required TaskTrainingConfig Settings { get; init; }

    /// <summary>The summarizer's sentence classifier weight as <see cref="Load"/> resolved it (a fine-tune that sets
    /// none takes the checkpoint's); 0: no classifier.</summary>
    public double SentenceSalienceWeight => Settings.SentenceSalienceWeight ?? 0;
    public required BertInputTokenizer SourceTokenizer { get; init; }
    public required IReadOnlyList<TaskExample> Train { get; init; }

    /// <summary>
    /// Training documents (sentences, source texts). Task sampling weighs tasks by this, not by <see cref="Train"/>'s
    /// pairs, so extra targets per document (extractive oracles) do not also raise a task's share of steps.
    /// </summary>
    public required int Documents { get; init; }
    public IReadOnlyList<SentimentExample> SentimentValidation { get; init; } = [];
    public IReadOnlyList<Seq2SeqExample> Seq2SeqValidation { get; init; } = [];
    public string[] Labels { get; init; } = [];
    public IDecoderVocabulary? Vocabulary { get; init; }

    /// <summary>Directory of the target tokenizer files to copy into checkpoints (vocabulary <c>target</c>).</summary>
    public string? TargetTokenizerSource { get; init; }

    /// <summary>The sampling size of each task: its number of training documents.</summary>
    public static IReadOnlyDictionary<string, int> SamplingSizes(IReadOnlyDictionary<string, TaskData> data) =>
        data.ToDictionary(p => p.Key, p => p.Value.Documents);

    /// <summary>Reads and tokenizes a task's data. <paramref name="existing"/>: heads of a checkpoint being
    /// fine-tuned.</summary>
    public static TaskData Load(
        string task,
        TaskTrainingConfig settings,
        TrainingConfig root,
        string encoderDirectory,
        MultiTaskConfig? existing,
        string? existingDirectory
    )
    {
        var source = BertInputTokenizer.FromCheckpoint(encoderDirectory, settings.MaxSourceLength);
        var train = root.ResolveData(settings.Train);
        if (task == TaskNames.Sentiment)
        {
            var raw = TrainingSetup.AtMost(DatasetReader.ReadSentiment(train), settings.MaxTrainExamples);
            var names = settings.LabelNames ?? existing?.Sentiment?.LabelNames;
            var examples = LabelNames.Apply(raw, names, train);
            var labels = existing?.Sentiment?.Labels ?? LabelNames.Ordered(raw, names);
            var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
            var unknown = examples.FirstOrDefault(e => !index.ContainsKey(e.Label));
            if (unknown is not null)
                throw new InvalidDataException(
                    $"{train}: label '{unknown.Label}' is not one of the head's labels ({string.Join(", ", labels)})"
                );
            return new TaskData
            {
                Task = task,
                Settings = settings,
                SourceTokenizer = source,
                Labels = labels,
                Documents = examples.Count,
                // A text longer than the head reads is trained on as consecutive windows with the text's label, the
                // windows serving reads and aggregates (docs/training.md): a whole review, not its first tokens.
                Train =
                [
                    .. examples.SelectMany(
                        (e, text) => Windows(source.EncodeWindows(e.Text, overlap: 0), text, index[e.Label])
                    ),
                ],
                SentimentValidation = settings.Validation is null
                    ? []
                    : ReadNamedSentiment(root.ResolveData(settings.Validation), names),
            };
        }

        // A fine-tune that does not set the weight trains the checkpoint's sentence classifier on at its own, so the
        // ranker export writes follows the encoder the fine-tune moves; an explicit 0 drops it. Resolved here, once:
        // from now on the weight is set.
        settings = settings with
        {
            SentenceSalienceWeight = settings.SentenceSalienceWeight
                ?? (
                    existing is not null && existing.Tasks.Contains(task)
                        ? existing.Decoder(task).SentenceSalienceWeight
                        : 0
                ),
        };
        var (vocabulary, tokenizerSource) = DecoderVocabulary(
            task,
            settings,
            root,
            encoderDirectory,
            existing,
            existingDirectory
        );
        var pairs = TrainingSetup.AtMost(
            DatasetReader.ReadSeq2Seq(
                train,
                settings.TrainTarget is null ? null : root.ResolveData(settings.TrainTarget)
            ),
            settings.MaxTrainExamples
        );
        return new TaskData
        {
            Task = task,
            Settings = settings,
            SourceTokenizer = source,
            Vocabulary = vocabulary,
            TargetTokenizerSource = tokenizerSource,
            Documents = pairs.Count,
            Train =
            [
                .. TrainingTargets(pairs, settings, train)
                    .SelectMany(p =>
                    {
                        // tokenized once, shared by the document's pairs (read-only)
                        var (sourceIds, sentences) =
                            settings.SentenceSalienceWeight > 0
                                ? SentenceTargets.Read(source, p.Source, p.References)
                                : ([.. source.Encode(p.Source)], null);
                        return p.Targets.Select(t => new TaskExample(
                            sourceIds,
                            0,
                            vocabulary.EncodeTarget(t, settings.MaxTargetLength)
                        )
                        {
                            Sentences = sentences,
                        });
                    }),
            ],
            Seq2SeqValidation = settings.Validation is null
                ? []
                : DatasetReader.ReadSeq2Seq(
                    root.ResolveData(settings.Validation),
                    settings.ValidationTarget is null ? null : root.ResolveData(settings.ValidationTarget)
                ),
        };
    }

    /// <summary>Each example's training targets: its first reference; with extractive oracle targets, also its marked
    /// oracle. <c>References</c>: all of its references.</summary>
    static IEnumerable<(string Source, string[] Targets, IReadOnlyList<string> References)> TrainingTargets(
        IReadOnlyList<Seq2SeqExample> examples,
        TaskTrainingConfig settings,
        string path
    )
    {
        if (settings.ExtractiveOracleTargets && !examples.Any(e => e.ExtractiveOracle is not null))
            throw new InvalidDataException(
                $"{path}: extractive_oracle_targets is set but no example marks sentences with 'source_labels'"
            );
        return examples.Select(e =>
            (
                e.Source,
                settings.ExtractiveOracleTargets && e.ExtractiveOracle is { } oracle
                    ? new[] { e.Targets[0], oracle }
                    : [e.Targets[0]],
                e.Targets
            )
        );
    }

    /// <summary>A text's training examples, one per window; windows of a text cut in several say which they are,
    /// so a pass can read some of them (<see cref="TaskTrainingConfig.WindowsPerPass"/>).</summary>
    static IEnumerable<TaskExample> Windows(List<int[]> windows, int text, int label) =>
        windows.Select(
            (ids, i) =>
                new TaskExample(ids, label, null)
                {
                    Window = windows.Count > 1 ? new TextWindow(text, i, windows.Count) : null,
                }
        );

    static IReadOnlyList<SentimentExample> ReadNamedSentiment(
        string path,
        IReadOnlyDictionary<string, string>? names
    ) => LabelNames.Apply(DatasetReader.ReadSentiment(path), names, path);

    /// <summary>The head this data implies (labels, vocabulary size, special ids).</summary>
    public MultiTaskConfig AddHeadTo(MultiTaskConfig config)
    {
        if (Task == TaskNames.Sentiment)
            return config with
            {
                Sentiment = new SentimentHeadConfig
                {
                    Labels = Labels,
                    LabelNames = Settings.LabelNames,
                    Pooling = Settings.Pooling,
                    Dropout = Settings.Dropout,
                    MaxSourceLength = Settings.MaxSourceLength,
                },
            };
        var head = new DecoderHeadConfig
        {
            Layers = Settings.DecoderLayers,
            Vocabulary = Settings.Vocabulary,
            VocabSize = Vocabulary!.VocabSize,
            TargetTokenizerDirectory = Settings.Vocabulary == VocabularyKind.Target ? $"{Task}_tokenizer" : null,
            PadId = Vocabulary.PadId,
            BosId = Vocabulary.BosId,
            EosId = Vocabulary.EosId,
            MaxSourceLength = Settings.MaxSourceLength,
            MaxTargetLength = Settings.MaxTargetLength,
            SourceLanguage = Settings.SourceLanguage,
            TargetLanguage = Settings.TargetLanguage,
            NumBeams = Settings.NumBeams,
            LengthPenalty = Settings.LengthPenalty,
            NoRepeatNgramSize = Settings.NoRepeatNgramSize,
            Copy = Settings.Copy,
            SentenceSalienceWeight = SentenceSalienceWeight,
        };
        return config.WithDecoder(Task, head);
    }

    static (IDecoderVocabulary, string?) DecoderVocabulary(
        string task,
        TaskTrainingConfig settings,
        TrainingConfig root,
        string encoderDirectory,
        MultiTaskConfig? existing,
        string? existingDirectory
    )
    {
        var existingHead = existing is null || !existing.Tasks.Contains(task) ? null : existing.Decoder(task);
        var useTarget = (existingHead?.Vocabulary ?? settings.Vocabulary) == VocabularyKind.Target;
        if (!useTarget)
        {
            var tokenizer = BertInputTokenizer.FromCheckpoint(encoderDirectory, settings.MaxTargetLength);
            return (new WordPieceDecoderVocabulary(tokenizer), null);
        }
        var directory =
            existingHead?.TargetTokenizerDirectory is { } sub && existingDirectory is not null
                ? Path.Combine(existingDirectory, sub)
                : root.ResolveDataDirectory(settings.TargetTokenizer!);
        return (TargetTokenizer.Load(directory), directory);
    }
}
