using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Documents;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>
/// A model bundle loaded for serving: the manifest, the encoder's tokenizer, one long-lived session per graph (the
/// encoder, and a cross + step graph per generative head) and each head's vocabulary. Everything comes from the
/// bundle folder; any missing or inconsistent piece fails the load with the file (and field) at fault.
/// </summary>
public sealed class ModelBundle : IDisposable
{
    readonly SessionFactory sessions;
    readonly Dictionary<string, DecoderHead> decoders;

    ModelBundle(
        string directory,
        BundleManifest manifest,
        SessionFactory sessions,
        BertInputTokenizer tokenizer,
        OrtGraph encoder,
        Dictionary<string, DecoderHead> decoders,
        bool int8
    )
    {
        (Directory, Manifest, this.sessions, Tokenizer, Encoder, this.decoders, Int8) = (
            directory,
            manifest,
            sessions,
            tokenizer,
            encoder,
            decoders,
            int8
        );
    }

    public string Directory { get; }
    public BundleManifest Manifest { get; }

    /// <summary>WordPiece tokenizer of the encoder, bounded by its position embeddings (per-task limits are applied on
    /// top).</summary>
    public BertInputTokenizer Tokenizer { get; }
    public OrtGraph Encoder { get; }

    /// <summary>The sentence ranker fitted on this bundle (manifest <c>salience</c>), when it has one and the summarize
    /// task is loaded.</summary>
    public LearnedSalienceScorer? Salience { get; private init; }

    /// <summary><c>CUDA</c> or <c>CPU</c>.</summary>
    public string ExecutionProvider => sessions.Provider;

    /// <summary>Whether the int8 graphs were loaded.</summary>
    public bool Int8 { get; }

    /// <summary>Most positions per encoder call (<see cref="InferenceOptions.EncoderChunkPositions"/>).</summary>
    public int EncoderChunkPositions { get; private init; }

    /// <summary>The tasks loaded (a subset of the manifest's when <c>tasks</c> was given to
    /// <see cref="Load"/>).</summary>
    public IReadOnlyList<string> Tasks { get; private init; } = [];

    public DecoderHead Decoder(string task) =>
        decoders.TryGetValue(task, out var head)
            ? head
            : throw new ArgumentException(
                $"{Directory}: no {task} head loaded (tasks: {string.Join(", ", Tasks)})",
                nameof(task)
            );

    /// <param name="directory">The bundle folder, or a <see cref="BundlePointer"/> file naming it.</param>
    /// <param name="tasks">Load only these heads (default: every task in the manifest); a task the bundle lacks
    /// fails.</param>
    public static ModelBundle Load(
        string directory,
        InferenceOptions? options = null,
        ILogger? logger = null,
        IReadOnlyCollection<string>? tasks = null
    )
    {
        options ??= new InferenceOptions();
        logger ??= NullLogger.Instance;
        directory = BundlePointer.Resolve(directory);
        var manifest = BundleManifest.Load(directory);
        var manifestPath = Path.Combine(directory, BundleManifest.FileName);
        var wanted = tasks?.Distinct().ToList() ?? [.. manifest.Tasks];
        foreach (var task in wanted.Where(t => !manifest.Tasks.Contains(t)))
            throw new ArgumentException(
                $"{manifestPath}: the bundle has no '{task}' task (tasks: "
                    + (manifest.Tasks.Count == 0 ? "none, an encoder-only bundle" : string.Join(", ", manifest.Tasks))
                    + ")"
            );

        var int8 = options.PreferInt8 && manifest.Quantization is { Files.Count: > 0 };
        if (options.PreferInt8 && !int8)
            logger.LogInformation("{Bundle} has no int8 graphs: using fp32", directory);
        string GraphPath(string file) =>
            Path.Combine(
                directory,
                int8 && manifest.Quantization!.Files.TryGetValue(file, out var quantized) ? quantized : file
            );

        var vocabPath = Path.Combine(directory, manifest.Encoder.Vocabulary);
        if (manifest.Encoder.MaxPositions < 2)
            throw new InvalidDataException(
                $"{manifestPath}: encoder.max_positions must be at least 2, was {manifest.Encoder.MaxPositions}"
            );
        var tokenizer = manifest.Encoder.Tokenizer is { } tokenizerFile
            ? BertInputTokenizer.Create(
                TokenizerJson.Read(Path.Combine(directory, tokenizerFile)),
                manifest.Encoder.MaxPositions
            )
            : BertInputTokenizer.Create(
                vocabPath,
                new BertInputTokenizerOptions
                {
                    LowerCase = manifest.Encoder.LowerCase,
                    MaxLength = manifest.Encoder.MaxPositions,
                }
            );

        // Only summaries use the ranker (so `nlpmtl salience`, which loads the encoder alone, refits over a stale one);
        // it is read before any session opens, so a bad file fails at once.
        var salience =
            manifest.Salience is { } fitted && wanted.Contains(TaskNames.Summarize)
                ? LearnedSalienceScorer.Load(Path.Combine(directory, fitted.File))
                : null;
        if (salience is not null && salience.HiddenSize != manifest.Encoder.HiddenSize)
            throw new InvalidDataException(
                $"{Path.Combine(directory, manifest.Salience!.File)}: hidden_size {salience.HiddenSize} is not the "
                    + $"encoder's {manifest.Encoder.HiddenSize}: fit it again on this bundle (nlpmtl salience)"
            );
        var sessions = SessionFactory.Create(options, logger);
        var opened = new List<IDisposable>();
        try
        {
            var encoderOutputs = wanted.Contains(TaskNames.Sentiment)
                ? new[] { BundleNames.LastHiddenState, BundleNames.SentimentLogits }
                : [BundleNames.LastHiddenState];
            var encoder = new OrtGraph(
                GraphPath(manifest.Encoder.File),
                sessions.Options,
                [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
                encoderOutputs
            );
            opened.Add(encoder);
            var decoders = new Dictionary<string, DecoderHead>();
            foreach (var task in wanted.Where(t => manifest.Decoder(t) is not null))
            {
                var head = LoadDecoder(
                    directory,
                    manifestPath,
                    task,
                    manifest.Decoder(task)!,
                    tokenizer,
                    vocabPath,
                    GraphPath,
                    sessions,
                    options
                );
                opened.Add(head);
                decoders.Add(task, head);
            }
            logger.LogInformation(
                "Loaded bundle {Bundle}: tasks {Tasks}, {Precision} graphs, {Provider}",
                directory,
                string.Join(", ", wanted),
                int8 ? "int8" : "fp32",
                sessions.Provider
            );
            return new ModelBundle(directory, manifest, sessions, tokenizer, encoder, decoders, int8)
            {
                Tasks = wanted,
                EncoderChunkPositions = options.EncoderChunkPositions,
                Salience = salience,
            };
        }
        catch
        {
            foreach (var graph in opened)
                graph.Dispose();
            sessions.Dispose();
            throw;
        }
    }

    static DecoderHead LoadDecoder(
        string directory,
        string manifestPath,
        string task,
        DecoderManifest manifest,
        BertInputTokenizer tokenizer,
        string vocabPath,
        Func<string, string> graphPath,
        SessionFactory sessions,
        InferenceOptions options
    )
    {
        if (manifest.NumLayers < 1)
            throw new InvalidDataException(
                $"{manifestPath}: {task}.num_layers must be at least 1, was {manifest.NumLayers}"
            );
        IDecoderVocabulary vocabulary = manifest.Vocabulary switch
        {
            VocabularyKind.Encoder => new WordPieceDecoderVocabulary(tokenizer),
            VocabularyKind.Target => TargetTokenizer.Load(
                Path.Combine(
                    directory,
                    manifest.TargetTokenizerDirectory
                        ?? throw new InvalidDataException(
                            $"{manifestPath}: {task}.target_tokenizer_directory is required when vocabulary is 'target'"
                        )
                )
            ),
            _ => throw new InvalidDataException(
                $"{manifestPath}: {task}.vocabulary must be 'encoder' or 'target', was {(int)manifest.Vocabulary}"
            ),
        };
        if (vocabulary.VocabSize != manifest.VocabSize)
            throw new InvalidDataException(
                $"{manifestPath}: {task}.vocab_size is {manifest.VocabSize} but its {manifest.Vocabulary} "
                    + $"vocabulary has {vocabulary.VocabSize} tokens"
            );
        var settings = manifest.Generation with
        {
            NumBeams = options.NumBeams ?? manifest.Generation.NumBeams,
            MaxNewTokens = options.MaxNewTokens ?? manifest.Generation.MaxNewTokens,
            NoRepeatNgramSize = options.NoRepeatNgramSize ?? manifest.Generation.NoRepeatNgramSize,
            LengthPenalty = options.LengthPenalty ?? manifest.Generation.LengthPenalty,
        };
        var names = DecoderGraphNames.For(manifest);
        var cross = new OrtGraph(
            graphPath(manifest.CrossFile),
            sessions.Options,
            [BundleNames.EncoderHiddenStates],
            names.Cross
        );
        try
        {
            var step = new OrtGraph(graphPath(manifest.File), sessions.Options, names.StepInputs, names.StepOutputs);
            return new DecoderHead(task, manifest, cross, step, vocabulary, settings);
        }
        catch
        {
            cross.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var head in decoders.Values)
            head.Dispose();
        Encoder.Dispose();
        sessions.Dispose();
    }
}
