using System.Text.Json;
using System.Text.Json.Serialization;
using NlpMtl.Core;
using NlpMtl.Core.Generation;

namespace NlpMtl.Core.Bundle;

/// <summary>
/// <c>manifest.json</c> of a model bundle: everything serving needs besides the graphs and tokenizer files, written
/// by <c>nlpmtl export</c> and read by the inference engine. Paths inside are relative to the bundle folder.
/// </summary>
public sealed record BundleManifest
{
    public const string FileName = "manifest.json";

    /// <summary>2: decoder step graphs take one cross row per document, shared by its beams (1: one per
    /// beam).</summary>
    public const int CurrentFormatVersion = 2;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Where the shared encoder came from (the base model's name or path recorded at training).</summary>
    public required string BaseModel { get; init; }

    /// <summary>Checkpoint directory the bundle was exported from (informational).</summary>
    public string? Checkpoint { get; init; }

    public int Opset { get; init; }
    public DateTimeOffset CreatedUtc { get; init; }

    public required EncoderManifest Encoder { get; init; }
    public SentimentManifest? Sentiment { get; init; }
    public DecoderManifest? Summarize { get; init; }
    public DecoderManifest? Translate { get; init; }

    /// <summary>Present when export was run with <c>--quantize int8</c>: the int8 files exist beside the fp32
    /// ones.</summary>
    public QuantizationManifest? Quantization { get; init; }

    /// <summary>Present when <c>nlpmtl salience</c> fitted a sentence ranker on this bundle's encoder.</summary>
    public SalienceManifest? Salience { get; init; }

    /// <summary>Parity measured at export (ORT vs TorchSharp); export fails rather than write a bundle that misses
    /// it.</summary>
    public required ParityReport Parity { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> Tasks =>
        [
            .. (Sentiment is null ? [] : new[] { TaskNames.Sentiment }),
            .. (Summarize is null ? [] : new[] { TaskNames.Summarize }),
            .. (Translate is null ? [] : new[] { TaskNames.Translate }),
        ];

    public DecoderManifest? Decoder(string task) =>
        task switch
        {
            TaskNames.Summarize => Summarize,
            TaskNames.Translate => Translate,
            _ => null,
        };

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Reads <c>manifest.json</c> from a bundle folder; a clear error names the file when it is missing or
    /// invalid.</summary>
    public static BundleManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: not a model bundle (no {FileName})", path);
        try
        {
            var manifest = JsonSerializer.Deserialize<BundleManifest>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty manifest");
            if (manifest.FormatVersion != CurrentFormatVersion)
                throw new InvalidDataException(
                    $"{path}: format_version {manifest.FormatVersion} is not supported (expected "
                        + $"{CurrentFormatVersion}): export the checkpoint again with this version's `nlpmtl export`"
                );
            // No tasks is an encoder-only bundle (exported from a plain HF checkpoint): its graph serves embeddings.
            return manifest;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid manifest ({e.Message})", e);
        }
    }
}

/// <summary>The shared encoder graph and its WordPiece tokenizer.</summary>
public sealed record EncoderManifest
{
    public string File { get; init; } = BundleNames.EncoderFile;

    /// <summary>WordPiece vocabulary file (HF <c>vocab.txt</c>) inside the bundle.</summary>
    public string Vocabulary { get; init; } = "vocab.txt";

    /// <summary>
    /// HF tokenizers' <c>tokenizer.json</c> the model was trained with: when present it decides the tokenization
    /// (<see cref="Vocabulary"/> and <see cref="LowerCase"/> serve bundles written before it was added).
    /// </summary>
    public string? Tokenizer { get; init; }

    public bool LowerCase { get; init; } = true;
    public int HiddenSize { get; init; }
    public int NumLayers { get; init; }

    /// <summary>Position-embedding rows: no input may be longer (longer inputs are truncated or chunked).</summary>
    public int MaxPositions { get; init; }

    /// <summary>Tokens per sentiment window, [CLS] and [SEP] included: the length the sentiment head was trained on
    /// (128 for checkpoints that do not record it).</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Informational: <c>standard</c> ONNX ops, or also ONNX Runtime's <c>com.microsoft</c> fused operators
    /// (which every ORT build, CPU and CUDA, runs).</summary>
    public string Operators { get; init; } = "standard";
}

/// <summary>The sentiment head (its logits are an output of the encoder graph).</summary>
public sealed record SentimentManifest
{
    public required string[] Labels { get; init; }

    /// <summary>Raw labels of the training data → the names in <see cref="Labels"/>, so eval can read raw gold
    /// labels.</summary>
    public Dictionary<string, string>? LabelNames { get; init; }
    public string Pooling { get; init; } = "mean";
}

/// <summary>A generative head: its cross-attention graph, its step graph with KV cache, its target tokenizer.</summary>
public sealed record DecoderManifest
{
    /// <summary>Step graph (<see cref="BundleNames.DecoderFile"/>).</summary>
    public required string File { get; init; }

    /// <summary>Cross-attention key/value graph (<see cref="BundleNames.CrossFile"/>).</summary>
    public required string CrossFile { get; init; }

    /// <summary><c>encoder</c> (the WordPiece vocabulary of the encoder) or <c>target</c>
    /// (<see cref="TargetTokenizerDirectory"/>).</summary>
    public required VocabularyKind Vocabulary { get; init; }

    /// <summary>Folder inside the bundle with the target tokenizer files when <see cref="Vocabulary"/> is
    /// <c>target</c>.</summary>
    public string? TargetTokenizerDirectory { get; init; }

    public int VocabSize { get; init; }
    public int PadId { get; init; }
    public int BosId { get; init; }
    public int EosId { get; init; }
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int HeadDim { get; init; }
    public int MaxPositions { get; init; }

    /// <summary>Source tokens the head was trained on; longer documents are chunked (summarize) or truncated
    /// (translate).</summary>
    public int MaxSourceLength { get; init; } = 256;

    /// <summary>
    /// A pointer-generator head: the cross graph also outputs <see cref="BundleNames.CopyKeys"/>, the step graph also
    /// takes them and <see cref="BundleNames.EncoderInputIds"/>, and its <c>logits</c> are log-probabilities.
    /// </summary>
    public bool Copy { get; init; }

    /// <summary>Translation: source and target languages (BCP-47) as the training config gave them; with both, numbers
    /// put back into a translation take the target's separators (<see cref="Text.NumberConvention"/>).</summary>
    public string? SourceLanguage { get; init; }

    /// <inheritdoc cref="SourceLanguage"/>
    public string? TargetLanguage { get; init; }

    public required GenerationSettings Generation { get; init; }
}

/// <summary>The int8 variant written by <c>--quantize int8</c> and what it costs in quality.</summary>
public sealed record QuantizationManifest
{
    public string Kind { get; init; } = "int8-dynamic";

    /// <summary>fp32 file → int8 file, for every graph that has a quantized variant.</summary>
    public required Dictionary<string, string> Files { get; init; }

    /// <summary>Metric name → (fp32, int8) measured on the validation data given to export, e.g.
    /// <c>sentiment_accuracy</c>.</summary>
    public Dictionary<string, MetricDelta> Metrics { get; init; } = [];
}

/// <summary>The learned sentence ranker (<c>salience.json</c>) and how it was fitted.</summary>
public sealed record SalienceManifest
{
    public string File { get; init; } = "salience.json";

    /// <summary>The data it was fitted on (informational).</summary>
    public string? Data { get; init; }

    public int Documents { get; init; }

    /// <summary>Mean ROUGE (F1 of 1, 2 and L averaged, 0–100) of the top-ranked sentence on the held-out documents of
    /// the fit, beside the first sentence's and the best sentence's.</summary>
    public double HeldOutRouge { get; init; }
    public double HeldOutFirstSentenceRouge { get; init; }
    public double HeldOutBestSentenceRouge { get; init; }

    /// <summary>The summarizer's sentence classifier, trained with the model and written by export (no held-out
    /// figures): <c>nlpmtl salience</c> keeps it, since a ranker fitted on documents the encoder was trained on
    /// overrates what the encoder memorised.</summary>
    public bool TrainedWithModel { get; init; }
}

/// <param name="Identical">Percent of the examples whose int8 output (label, text) is the fp32 output: how often int8
/// changes an answer, which the two metrics alone hide when changes cancel (absent in bundles exported before
/// 2026-12-06).</param>
public sealed record MetricDelta(double Fp32, double Int8, int Examples, double? Identical = null);

/// <summary>Parity of ORT against TorchSharp measured at export; maxima of absolute differences.</summary>
public sealed record ParityReport
{
    public double Tolerance { get; init; } = 1e-4;
    public int Inputs { get; init; }
    public double EncoderHiddenMaxAbs { get; init; }
    public double? SentimentLogitsMaxAbs { get; init; }

    /// <summary>Task → decoder figures.</summary>
    public Dictionary<string, DecoderParity> Decoders { get; init; } = [];
}

public sealed record DecoderParity(double StepLogitsMaxAbs, double GreedyIdenticalFraction, int Inputs);
