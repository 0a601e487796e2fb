using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertEmbeddings</c>: word + absolute position + token type embeddings, LayerNorm,
/// dropout.</summary>
public sealed class BertEmbeddings : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly FastDropout dropout;

    public BertEmbeddings(BertConfig config)
        : base(nameof(BertEmbeddings))
    {
        word_embeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = new FastDropout(config.HiddenDropoutProb);
        RegisterComponents();
        BertInitializer.Apply(this, config.InitializerRange);
        using var noGrad = no_grad();
        word_embeddings.weight![config.PadTokenId].zero_(); // HF zeroes the padding row
    }

    /// <summary>The (V, H) word embedding matrix, shared with decoders that tie their output projection to
    /// it.</summary>
    public Embedding WordEmbeddings => word_embeddings;

    /// <param name="inputIds">(B, T) token ids.</param>
    /// <param name="tokenTypeIds">(B, T) segment ids.</param>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds) => Embed(inputIds, tokenTypeIds, 0);

    /// <param name="positionOffset">Position of the first token: decoders stepping with a cache embed one token at a
    /// time.</param>
    public Tensor Embed(Tensor inputIds, Tensor tokenTypeIds, long positionOffset)
    {
        var positions = arange(
                positionOffset,
                positionOffset + inputIds.shape[1],
                dtype: ScalarType.Int64,
                device: inputIds.device
            )
            .unsqueeze(0); // (1, T)
        var embeddings =
            word_embeddings.call(inputIds)
            + token_type_embeddings.call(tokenTypeIds)
            + position_embeddings.call(positions);
        return dropout.call(LayerNorm.call(embeddings)); // (B, T, H)
    }
}
