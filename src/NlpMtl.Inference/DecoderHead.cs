using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>A generative head of a bundle: its cross-attention and step graphs, its vocabulary and decoding settings.</summary>
public sealed class DecoderHead(string task, DecoderManifest manifest, OrtGraph cross, OrtGraph step, IDecoderVocabulary vocabulary,
    GenerationSettings settings) : IDisposable
{
    public string Task { get; } = task;
    public DecoderManifest Manifest { get; } = manifest;
    public OrtGraph Cross { get; } = cross;
    public OrtGraph Step { get; } = step;
    public IDecoderVocabulary Vocabulary { get; } = vocabulary;
    public GenerationSettings Settings { get; } = settings;
    public SpecialTokens Special => new(Manifest.BosId, Manifest.EosId, Manifest.PadId);

    /// <summary>
    /// Outputs of the cross graph = the cross inputs of the step graph, in layer order (key, value), then a copying
    /// head's copy keys.
    /// </summary>
    public IReadOnlyList<string> CrossNames { get; } =
        [.. Enumerable.Range(0, manifest.NumLayers).SelectMany(l => new[] { BundleNames.CrossKey(l), BundleNames.CrossValue(l) }),
         .. manifest.Copy ? new[] { BundleNames.CopyKeys } : []];

    public IReadOnlyList<string> PastNames { get; } =
        [.. Enumerable.Range(0, manifest.NumLayers).SelectMany(l => new[] { BundleNames.PastKey(l), BundleNames.PastValue(l) })];

    public IReadOnlyList<string> PresentNames { get; } =
        [.. Enumerable.Range(0, manifest.NumLayers).SelectMany(l => new[] { BundleNames.PresentKey(l), BundleNames.PresentValue(l) })];

    public void Dispose()
    {
        Cross.Dispose();
        Step.Dispose();
    }
}
