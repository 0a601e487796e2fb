using System.Diagnostics;
using Google.Protobuf;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Core.IO;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference;
using NlpMtl.Inference.Documents;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Pretrained;
using NlpMtl.Onnx.Parity;
using NlpMtl.Onnx.Quantization;

namespace NlpMtl.Onnx;

/// <summary>
/// <c>nlpmtl export</c>: a trained multi-task checkpoint → a model bundle (docs/contracts.md): encoder.onnx, a
/// cross graph and a step graph per generative head, the tokenizer files and manifest.json. Before anything is
/// published, ORT runs the graphs against TorchSharp (<see cref="ParityChecker"/>); a miss fails the export. The
/// bundle is built in a sibling folder and renamed into place at the end, so a failed export leaves no bundle.
/// </summary>
public static class BundleExporter
{
    /// <summary> Standard ops with padding removed (<see cref="PaddingRemoval"/>): a mixed-length batch pays in its
    /// GEMMs only for its real tokens, and Q, K, V are one product. ORT's fused operators did not measurably pay
    /// (<c>nlpmtl-bench export --encoder-only</c>; figures in docs/benchmarks.md), while standard ops keep the graph
    /// portable and every MatMul quantizable. </summary>
    public const EncoderOps DefaultEncoderOps = EncoderOps.Packed;

    public static BundleManifest Export(string checkpoint, string output, BundleExportOptions? options = null)
    {
        options ??= new BundleExportOptions();
        var source = CheckpointDirectory(Path.GetFullPath(checkpoint), options.Log);
        var target = Path.GetFullPath(output);
        CheckTarget(target);
        foreach (
            var file in new[]
            {
                options.ValidationSentiment,
                options.ValidationTranslate,
                options.ValidationTranslateTarget,
            }
        )
            if (file is not null && !File.Exists(file))
                throw new FileNotFoundException($"{file}: validation file not found", file);
        var watch = Stopwatch.StartNew();
        using var model = LoadModel(source, options.Log);
        model.eval();
        options.Log?.Invoke(
            $"loaded {source} (heads: {string.Join(", ", model.Tasks)}) in {watch.Elapsed.TotalSeconds:F1} s"
        );

        BundleManifest? manifest = null;
        StagedDirectory.Write(target, staging =>
        {
            manifest = Write(model, source, staging, options);
            CheckTarget(target); // again: something may have been written there while the export ran
        });
        options.Log?.Invoke($"wrote {target} in {watch.Elapsed.TotalSeconds:F1} s");
        return manifest!;
    }

    /// <summary>
    /// The checkpoint to export: <paramref name="path"/> itself, or — for a training run's folder, which holds
    /// <c>best/</c> and <c>last/</c> but no weights of its own — its <c>best/</c>, said in the log.
    /// </summary>
    static string CheckpointDirectory(string path, Action<string>? log)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{path}: checkpoint directory not found");
        var best = Path.Combine(path, "best");
        if (
            File.Exists(Path.Combine(path, CheckpointFiles.Config))
            || !File.Exists(Path.Combine(best, CheckpointFiles.Config))
        )
            return path;
        log?.Invoke($"{path} is a training run: exporting its best checkpoint, {best}");
        return best;
    }

    /// <summary>
    /// A multi-task checkpoint, or a plain HF BERT checkpoint (no heads.json), which becomes an encoder-only bundle:
    /// its graph gives the hidden states, for embeddings or for heads trained elsewhere.
    /// </summary>
    static MultiTaskModel LoadModel(string source, Action<string>? log)
    {
        if (File.Exists(Path.Combine(source, MultiTaskConfig.FileName)))
            return MultiTaskCheckpoint.Load(source);
        log?.Invoke(
            $"{source} has no {MultiTaskConfig.FileName}: a plain HF checkpoint, exported as an encoder-only "
                + $"bundle (no task heads)"
        );
        return new MultiTaskModel(BertCheckpoint.Load(source), new MultiTaskConfig(), warmStartDecoders: false);
    }

    static BundleManifest Write(MultiTaskModel model, string source, string staging, BundleExportOptions options)
    {
        File.WriteAllBytes(
            Path.Combine(staging, BundleNames.EncoderFile),
            EncoderExporter.Build(model, options.EncoderOps).ToByteArray()
        );
        var tokenizer = CopyTokenizer(source, staging);
        foreach (var task in model.Tasks.Where(TaskNames.IsGenerative))
        {
            File.WriteAllBytes(
                Path.Combine(staging, BundleNames.CrossFile(task)),
                DecoderExporter.BuildCross(model, task).ToByteArray()
            );
            File.WriteAllBytes(
                Path.Combine(staging, BundleNames.DecoderFile(task)),
                DecoderExporter.Build(model, task).ToByteArray()
            );
            if (model.Config.Decoder(task) is { Vocabulary: VocabularyKind.Target } head)
                CopyTargetTokenizer(source, staging, task, head);
        }

        // The provisional manifest (no parity yet) lets the serving engine load the staged bundle to measure it.
        var manifest = Manifest(model, source, tokenizer.Settings.Lowercase, new ParityReport(), options.EncoderOps);
        manifest.Save(staging);
        manifest = manifest with { Parity = MeasureParity(model, source, staging, options) };
        if (model.SentenceHeadWeights(TaskNames.Summarize) is { } sentenceHead)
        {
            // The summarizer's trained sentence classifier serves as the bundle's ranker over in-context states.
            LearnedSalienceScorer
                .FromTrainedHead(sentenceHead)
                .Save(Path.Combine(staging, LearnedSalienceScorer.FileName));
            manifest = manifest with
            {
                Salience = new SalienceManifest { File = LearnedSalienceScorer.FileName, TrainedWithModel = true },
            };
        }
        if (options.QuantizeInt8)
        {
            // Quantization replaces MatMuls: the standard graphs have them all (a fused Attention hides the QKV ones).
            var sources = new Dictionary<string, global::Onnx.ModelProto>();
            if (options.EncoderOps is EncoderOps.FusedNorms or EncoderOps.FusedAttention)
                sources[BundleNames.EncoderFile] = EncoderExporter.Build(model);
            manifest = manifest with { Quantization = Int8Export.Run(manifest, staging, options, sources) };
        }
        manifest.Save(staging);
        return manifest;
    }

    /// <summary>The staged bundle, loaded as serving loads it (CPU, fp32), against the TorchSharp model.</summary>
    static ParityReport MeasureParity(MultiTaskModel model, string source, string staging, BundleExportOptions options)
    {
        var watch = Stopwatch.StartNew();
        var tokenizer = BertInputTokenizer.FromCheckpoint(
            source,
            Math.Min(128, model.EncoderConfig.MaxPositionEmbeddings)
        );
        using var bundle = ModelBundle.Load(
            staging,
            new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu }
        );
        using var checker = new ParityChecker(model, bundle, ParityInputs.Batches(tokenizer));
        var failures = new List<string>();
        var (hidden, logits) = checker.Encoder();
        Check(
            failures,
            $"{BundleNames.EncoderFile}: {BundleNames.LastHiddenState} max |Δ| {hidden:E2}",
            hidden,
            options.Tolerance
        );
        if (logits is { } l)
            Check(
                failures,
                $"{BundleNames.EncoderFile}: {BundleNames.SentimentLogits} max |Δ| {l:E2}",
                l,
                options.Tolerance
            );

        var decoders = new Dictionary<string, DecoderParity>();
        foreach (var task in bundle.Tasks.Where(TaskNames.IsGenerative))
        {
            var result = checker.Decoder(task);
            decoders[task] = result;
            Check(
                failures,
                $"{BundleNames.DecoderFile(task)}: step {BundleNames.Logits} max |Δ| {result.StepLogitsMaxAbs:E2}",
                result.StepLogitsMaxAbs,
                options.Tolerance
            );
            if (!(result.GreedyIdenticalFraction >= options.MinGreedyIdentical))
                failures.Add(
                    $"{task}: greedy generations token-identical on {result.GreedyIdenticalFraction:P1} of "
                        + $"{result.Inputs} inputs (need {options.MinGreedyIdentical:P0})"
                );
        }
        options.Log?.Invoke(
            $"parity on {checker.Inputs} inputs in {watch.Elapsed.TotalSeconds:F1} s: hidden {hidden:E2}"
                + (logits is null ? "" : $", sentiment logits {logits:E2}")
                + string.Concat(
                    decoders.Select(d =>
                        $", {d.Key} step logits {d.Value.StepLogitsMaxAbs:E2}, greedy identical "
                        + $"{d.Value.GreedyIdenticalFraction:P0}"
                    )
                )
        );
        if (failures.Count > 0)
            throw new ParityException(
                $"parity failed (tolerance {options.Tolerance:E0}), no bundle written: {string.Join("; ", failures)}"
            );
        return new ParityReport
        {
            Tolerance = options.Tolerance,
            Inputs = checker.Inputs,
            EncoderHiddenMaxAbs = hidden,
            SentimentLogitsMaxAbs = logits,
            Decoders = decoders,
        };
    }

    /// <summary>Adds a failure unless <paramref name="value"/> is within tolerance (NaN fails too).</summary>
    static void Check(List<string> failures, string what, double value, double tolerance)
    {
        if (!(value <= tolerance))
            failures.Add(what);
    }

    static BundleManifest Manifest(
        MultiTaskModel model,
        string source,
        bool lowerCase,
        ParityReport parity,
        EncoderOps ops
    )
    {
        var encoder = model.EncoderConfig;
        return new BundleManifest
        {
            BaseModel = BaseModel(encoder),
            Checkpoint = source,
            Opset = (int)OnnxGraphBuilder.Opset,
            CreatedUtc = DateTimeOffset.UtcNow,
            Encoder = new EncoderManifest
            {
                Vocabulary = CheckpointFiles.Vocab,
                Tokenizer = CheckpointFiles.TokenizerJson,
                LowerCase = lowerCase,
                HiddenSize = encoder.HiddenSize,
                NumLayers = encoder.NumHiddenLayers,
                MaxPositions = encoder.MaxPositionEmbeddings,
                MaxLength = Math.Min(model.Config.Sentiment?.MaxSourceLength ?? 128, encoder.MaxPositionEmbeddings),
                Operators = ops switch
                {
                    EncoderOps.Standard => "standard",
                    EncoderOps.Packed => "standard, padding removed",
                    _ => $"standard + com.microsoft ({ops})",
                },
            },
            Sentiment = model.Config.Sentiment is { } s
                ? new SentimentManifest
                {
                    Labels = s.Labels,
                    LabelNames = s.LabelNames,
                    Pooling = s.Pooling,
                }
                : null,
            Summarize = model.Config.Summarize is { } sum ? DecoderManifestOf(model, TaskNames.Summarize, sum) : null,
            Translate = model.Config.Translate is { } tr ? DecoderManifestOf(model, TaskNames.Translate, tr) : null,
            Parity = parity,
        };
    }

    /// <summary>What the manifest says about one generative head of <paramref name="model"/>.</summary>
    public static DecoderManifest DecoderManifestOf(MultiTaskModel model, string task, DecoderHeadConfig head)
    {
        var config = model.DecoderConfig(head);
        return new DecoderManifest
        {
            File = BundleNames.DecoderFile(task),
            CrossFile = BundleNames.CrossFile(task),
            Vocabulary = head.Vocabulary,
            TargetTokenizerDirectory = head.Vocabulary == VocabularyKind.Target ? head.TargetTokenizerDirectory : null,
            VocabSize = head.VocabSize,
            PadId = head.PadId,
            BosId = head.BosId,
            EosId = head.EosId,
            NumLayers = config.NumHiddenLayers,
            NumHeads = config.NumAttentionHeads,
            HeadDim = config.HeadDim,
            MaxPositions = config.MaxPositionEmbeddings,
            MaxSourceLength = head.MaxSourceLength,
            Copy = head.Copy,
            SourceLanguage = head.SourceLanguage,
            TargetLanguage = head.TargetLanguage,
            Generation = new GenerationSettings
            {
                NumBeams = head.NumBeams,
                LengthPenalty = head.LengthPenalty,
                NoRepeatNgramSize = head.NoRepeatNgramSize,
                MaxNewTokens = head.MaxTargetLength,
            },
        };
    }

    /// <summary>The checkpoint does not record its base model; all-MiniLM-L6-v2's shape (the embedded base) names it,
    /// anything else is described by its sizes.</summary>
    public static string BaseModel(BertConfig config)
    {
        var minilm = BertConfig.MiniLmL6;
        return
            (
                config.VocabSize,
                config.HiddenSize,
                config.NumHiddenLayers,
                config.NumAttentionHeads,
                config.IntermediateSize
            )
            == (
                minilm.VocabSize,
                minilm.HiddenSize,
                minilm.NumHiddenLayers,
                minilm.NumAttentionHeads,
                minilm.IntermediateSize
            )
            ? EmbeddedMiniLm.ModelName
            : $"{config.ModelType}-L{config.NumHiddenLayers}-H{config.HiddenSize}"
                + $"-A{config.NumAttentionHeads}-V{config.VocabSize}";
    }

    /// <summary> The bundle carries the checkpoint's <c>tokenizer.json</c> (serving reads it) or, for a checkpoint with
    /// only the slow-tokenizer files, one written from them; <c>vocab.txt</c> and <c>tokenizer_config.json</c> go along
    /// for HF users. </summary>
    static TokenizerSource CopyTokenizer(string source, string staging)
    {
        // fails naming the file when the checkpoint has no usable tokenizer
        var tokenizer = TokenizerSource.Load(source);
        var json = Path.Combine(source, CheckpointFiles.TokenizerJson);
        if (File.Exists(json))
            File.Copy(json, Path.Combine(staging, CheckpointFiles.TokenizerJson));
        else
            TokenizerJson.Write(Path.Combine(staging, CheckpointFiles.TokenizerJson), tokenizer);
        var vocab = Path.Combine(source, CheckpointFiles.Vocab);
        if (File.Exists(vocab))
            File.Copy(vocab, Path.Combine(staging, CheckpointFiles.Vocab));
        else
            File.WriteAllText(
                Path.Combine(staging, CheckpointFiles.Vocab),
                string.Join('\n', tokenizer.Vocabulary) + "\n"
            );
        var config = Path.Combine(source, CheckpointFiles.TokenizerConfig);
        if (File.Exists(config))
            File.Copy(config, Path.Combine(staging, CheckpointFiles.TokenizerConfig));
        return tokenizer;
    }

    static void CopyTargetTokenizer(string source, string staging, string task, DecoderHeadConfig head)
    {
        var relative = head.TargetTokenizerDirectory
            ?? throw new InvalidDataException(
                $"{Path.Combine(source, MultiTaskConfig.FileName)}: {task} uses a target vocabulary but names no "
                    + $"target_tokenizer_directory"
            );
        var from = Path.Combine(source, relative);
        TargetTokenizer.Load(from); // fails naming the file when the checkpoint's copy is missing or damaged
        var to = Path.Combine(staging, relative);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>An existing output folder is replaced only when it is empty or a bundle; anything else is
    /// refused.</summary>
    static void CheckTarget(string target)
    {
        if (!Directory.Exists(target))
            return;
        if (
            Directory.EnumerateFileSystemEntries(target).Any()
            && !File.Exists(Path.Combine(target, BundleManifest.FileName))
        )
            throw new IOException(
                $"{target}: exists and is not a model bundle (no {BundleManifest.FileName}); refusing to overwrite it"
            );
    }
}
