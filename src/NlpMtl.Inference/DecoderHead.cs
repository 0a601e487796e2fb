using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>A generative head of a bundle: its cross-attention and step graphs, its vocabulary and decoding
/// settings.</summary>
public sealed class DecoderHead(
    string task,
    DecoderManifest manifest,
    OrtGraph cross,
    OrtGraph step,
    IDecoderVocabulary vocabulary,
    GenerationSettings settings
) : IDisposable
{
    public string Task { get; } = task;
    public DecoderManifest Manifest { get; } = manifest;
    public OrtGraph Cross { get; } = cross;
    public OrtGraph Step { get; } = step;
    public IDecoderVocabulary Vocabulary { get; } = vocabulary;
    public GenerationSettings Settings { get; } = settings;
    public SpecialTokens Special => new(Manifest.BosId, Manifest.EosId, Manifest.PadId);

    /// <summary>The inputs and outputs of <see cref="Cross"/> and <see cref="Step"/>, in feeding order.</summary>
    public DecoderGraphNames Names { get; } = DecoderGraphNames.For(manifest);

    public void Dispose()
    {
        Cross.Dispose();
        Step.Dispose();
    }
}
