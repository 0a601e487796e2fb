using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertModel</c>: embeddings, encoder stack and pooler; state-dict names are HF's.</summary>
public sealed class BertModel : Module<Tensor, Tensor, Tensor, BaseModelOutput>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    public BertModel(BertConfig config)
        : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
        BertInitializer.Apply(encoder, config.InitializerRange);
        BertInitializer.Apply(pooler, config.InitializerRange);
    }

    public BertConfig Config { get; }
    public BertEmbeddings Embeddings => embeddings;
    public BertEncoder Encoder => encoder;
    public BertPooler Pooler => pooler;

    /// <param name="inputIds">(B, T) int64 token ids.</param>
    /// <param name="attentionMask">(B, T) 1 for tokens, 0 for padding.</param>
    /// <param name="tokenTypeIds">(B, T) segment ids.</param>
    public override BaseModelOutput forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.call(
            embeddings.call(inputIds, tokenTypeIds),
            AdditiveMask(attentionMask, inputIds.device)
        );
        var pooled = pooler.call(hidden);
        return new BaseModelOutput(hidden.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    /// <summary>(B, T) 1/0 mask → (B, 1, 1, T) additive mask, HF's "extended attention mask".</summary>
    public static Tensor AdditiveMask(Tensor attentionMask, Device device)
    {
        var keep = attentionMask.to(ScalarType.Float32, device).unsqueeze(1).unsqueeze(2); // (B, 1, 1, T)
        return (1.0f - keep) * float.MinValue;
    }
}
