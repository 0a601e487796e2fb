using System.ComponentModel.DataAnnotations;
using NlpMtl.Inference.Documents;

namespace NlpMtl.Inference;

/// <summary>Which ONNX Runtime execution provider runs the graphs.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when the CUDA provider loads on this machine, else CPU (the choice is logged).</summary>
    Auto,
    Cpu,

    /// <summary>CUDA or fail: for deployments where silently running on CPU would be a fault.</summary>
    Cuda,
}

/// <summary>How the engine loads and runs a bundle (appsettings section <see cref="SectionName"/>).</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    public ExecutionProviderPreference ExecutionProvider { get; set; } = ExecutionProviderPreference.Auto;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>ORT intra-op threads per session; 0 lets ORT choose (one per physical core).</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>Use the int8 graphs when the bundle has them (manifest <c>quantization.files</c>), else fp32.</summary>
    public bool PreferInt8 { get; set; }

    /// <summary>
    /// Most encoder positions (rows × longest row) per ORT call; bigger batches are encoded in chunks of consecutive
    /// rows and the generative heads still decode the whole batch. 0 = no limit. 1,024 keeps a call's activations in a
    /// CPU's cache (docs/benchmarks.md, `scripts/bench inference`: batching rows).
    /// </summary>
    [Range(0, 1 << 24)]
    public int EncoderChunkPositions { get; set; } = 1024;

    /// <summary>Overrides every head's manifest beam count (1 = greedy).</summary>
    [Range(1, 64)]
    public int? NumBeams { get; set; }

    /// <summary>Overrides every head's manifest limit on generated tokens.</summary>
    [Range(1, 4096)]
    public int? MaxNewTokens { get; set; }

    /// <summary>Overrides every head's manifest <c>no_repeat_ngram_size</c>: no n-gram of this many tokens is generated
    /// twice in one output (0 = no limit).</summary>
    [Range(0, 64)]
    public int? NoRepeatNgramSize { get; set; }

    /// <summary>Overrides every head's manifest <c>length_penalty</c>: a finished beam hypothesis scores its summed
    /// log-probabilities over length^LengthPenalty (HF's convention), so above 1 favours longer outputs and below 1
    /// shorter ones; greedy search ignores it.</summary>
    [Range(0.0, 5.0)]
    public double? LengthPenalty { get; set; }

    /// <summary> Translate: put the source's numbers back where the translation wrote other numbers in their place
    /// (<see cref="Core.Text.NumberCheck.Restore"/>); each line lists what it put back (<c>numbers_restored</c>).
    /// False leaves the model's text as it generated it. </summary>
    public bool RestoreNumbers { get; set; } = true;

    /// <summary> For diagnosis: each session writes ONNX Runtime's per-operator profile to
    /// <c>PREFIX_&lt;time&gt;.json</c> when it is disposed (<c>scripts/ort-profile.sh</c> sums it by node). Profiling
    /// slows every run; null = off. </summary>
    public string? ProfilePrefix { get; set; }

    /// <summary> Hard cap on the WordPiece tokens read from one document (<c>Inference:MaxDocumentTokens</c>,
    /// <c>--max-document-tokens</c>): a longer document is cut there and every line for it says <c>"truncated":
    /// true</c>. Bounds time and memory per document; the default reads a 40,000-word document whole. </summary>
    [Range(16, 1 << 24)]
    public int MaxDocumentTokens { get; set; } = 65_536;

    /// <summary>Tokens shared by consecutive sentiment windows of a long document (at most half a window).</summary>
    [Range(0, 4096)]
    public int SentimentWindowOverlap { get; set; } = 32;

    /// <summary>How the windows' sentiment becomes one label and score.</summary>
    public SentimentAggregation SentimentAggregation { get; set; } = SentimentAggregation.TokenWeightedMeanLogits;

    /// <summary>What the summarizer reads of a document longer than its source length.</summary>
    public SummarySelection SummarySelection { get; set; } = SummarySelection.Salience;

    /// <summary>Whether a summary is the document's own sentence closest to the generated text (default) or the
    /// generated text.</summary>
    public SummaryStyle SummaryStyle { get; set; } = SummaryStyle.Extractive;

    /// <summary> An extracted summary (<see cref="SummaryStyle.Extractive"/>, <see cref="SummaryStyle.Ranked"/>) drops
    /// the discourse connective its sentence opens with ("However, to this end, we show …" → "We show …",
    /// <see cref="SummaryOpening"/>). False keeps the sentence verbatim. </summary>
    public bool TrimSummaryOpening { get; set; } = true;

    /// <summary>
    /// Most tokens the summarizer reads, [CLS] and [SEP] included (null: the head's trained source length, which is
    /// also the most it takes). Lower only to measure what reading less costs, e.g. the first 256 tokens under
    /// <see cref="SummarySelection.Lead"/> against a head trained on 512.
    /// </summary>
    [Range(3, 1 << 16)]
    public int? SummarySourceTokens { get; set; }

    /// <summary>
    /// Most tokens of one translated piece, [CLS] and [SEP] included (null: the head's trained source length, which is
    /// also the most it takes). A sentence longer than this is translated in pieces cut at its clauses
    /// (<see cref="Documents.TokenPieces"/>) and the pieces' translations are joined.
    /// </summary>
    [Range(3, 1 << 16)]
    public int? TranslationPieceTokens { get; set; }
}
