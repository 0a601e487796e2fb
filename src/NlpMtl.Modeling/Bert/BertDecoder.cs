using NlpMtl.Modeling.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>
/// A BERT2BERT decoder (Rothe et al. 2020; HF <c>BertLMHeadModel</c> as a decoder): embeddings, a stack of
/// <see cref="BertDecoderLayer"/>s, and an output projection tied to the decoder's own word embeddings plus a bias.
/// With a <see cref="PointerGenerator"/> (<c>copy</c>) the outputs are the log-probabilities of the vocabulary
/// distribution mixed with copying from the source; log-softmax leaves them unchanged, so callers treat both alike.
/// </summary>
public sealed class BertDecoder : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly ModuleList<BertDecoderLayer> layer;
    private readonly Parameter output_bias;
    private readonly PointerGenerator? copy;

    /// <param name="config">Decoder sizes: the encoder's, with the target vocabulary and the decoder depth.</param>
    /// <param name="copy">Add a pointer-generator copy mechanism (the source ids must be output ids).</param>
    public BertDecoder(BertConfig config, bool copy = false)
        : base(nameof(BertDecoder))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        layer = new ModuleList<BertDecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertDecoderLayer(config)).ToArray()
        );
        output_bias = Parameter(zeros(config.VocabSize));
        if (copy)
            this.copy = new PointerGenerator(config);
        RegisterComponents();
        foreach (var block in layer)
            BertInitializer.Apply(block, config.InitializerRange);
    }

    public BertConfig Config { get; }
    public BertEmbeddings Embeddings => embeddings;
    public IReadOnlyList<BertDecoderLayer> Layers => layer.ToList();

    /// <summary>Whether the decoder copies from the source (it then needs the source ids).</summary>
    public bool Copies => copy is not null;

    /// <summary>Teacher-forced logits (B, t, V) for targets (B, t) shifted right.</summary>
    public override Tensor forward(Tensor decoderInputIds, Tensor encoderStates, Tensor encoderMask) =>
        Step(decoderInputIds, encoderStates, encoderMask, null);

    /// <summary>Logits (B, t, V) for <paramref name="decoderInputIds"/>; with a cache, only the new tokens are
    /// passed.</summary> <param name="sourceIds">(B, S) encoder input ids: required when the decoder
    /// <see cref="Copies"/>.</param>
    public Tensor Step(
        Tensor decoderInputIds,
        Tensor encoderStates,
        Tensor encoderMask,
        DecoderCache? cache,
        Tensor? sourceIds = null
    )
    {
        using var scope = NewDisposeScope();
        var offset = cache?.Length ?? 0;
        var x = embeddings.Embed(decoderInputIds, zeros_like(decoderInputIds), offset); // (B, t, H)
        for (var i = 0; i < layer.Count; i++)
            x = layer[i].Step(x, encoderStates, encoderMask, cache?.Layers[i]);
        // Output projection tied to the input embeddings: (B, t, H) · (V, H)ᵀ + b.
        var logits = MixedPrecision.Linear(x, embeddings.WordEmbeddings.weight!, output_bias);
        if (copy is not null)
        {
            if (sourceIds is null)
                throw new ArgumentException("a copying decoder needs the source ids", nameof(sourceIds));
            var copyKeys = cache is null ? copy.Keys(encoderStates) : cache.CopyKeys(() => copy.Keys(encoderStates));
            logits = copy.LogProbabilities(x, logits, copyKeys, encoderMask, sourceIds);
        }
        return logits.MoveToOuterDisposeScope();
    }

    public DecoderCache NewCache() => new(layer.Count);

    /// <summary> Warm start from a pretrained encoder (BERT2BERT): positions, token types and embedding LayerNorm from
    /// the encoder's embeddings; word embeddings too when the vocabularies are the same; decoder layer i from encoder
    /// layer <paramref name="sourceLayers"/>[i] (self-attention and feed-forward; cross-attention keeps its fresh
    /// init). </summary>
    public void WarmStart(BertEmbeddings sourceEmbeddings, IReadOnlyList<BertLayer> sourceLayers, bool sameVocabulary)
    {
        if (sourceLayers.Count != layer.Count)
            throw new ArgumentException(
                $"warm start needs {layer.Count} encoder layers, got {sourceLayers.Count}",
                nameof(sourceLayers)
            );
        ModuleWeights.CopyMatching(
            sourceEmbeddings,
            embeddings,
            skipPrefix: sameVocabulary ? null : "word_embeddings."
        );
        for (var i = 0; i < layer.Count; i++)
            ModuleWeights.CopyMatching(sourceLayers[i], layer[i]);
    }
}

/// <summary>The per-layer key/value caches of one incremental decoding run.</summary>
public sealed class DecoderCache(int layers) : IDisposable
{
    public IReadOnlyList<BertDecoderLayer.LayerCache> Layers { get; } =
        Enumerable.Range(0, layers).Select(_ => new BertDecoderLayer.LayerCache()).ToArray();

    Tensor? copyKeys;

    /// <summary>Positions already decoded.</summary>
    public long Length => Layers[0].Self.Length;

    /// <summary>The pointer-generator's keys over the source, computed at the first step and kept.</summary>
    public Tensor CopyKeys(Func<Tensor> compute)
    {
        copyKeys ??= compute().DetachFromDisposeScope();
        return copyKeys;
    }

    /// <summary>Keeps the rows of <paramref name="batchIndices"/> (beam search reordering).</summary>
    public void Select(Tensor batchIndices)
    {
        foreach (var layer in Layers)
        {
            layer.Self.Select(batchIndices);
            layer.Cross.Select(batchIndices);
        }
        if (copyKeys is not null)
        {
            var selected = copyKeys.index_select(0, batchIndices).DetachFromDisposeScope();
            copyKeys.Dispose();
            copyKeys = selected;
        }
    }

    public void Dispose()
    {
        copyKeys?.Dispose();
        foreach (var layer in Layers)
            layer.Dispose();
    }
}
