using NlpMtl.Modeling.Bert;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.MultiTask;

/// <summary>
/// A sentence classifier on the shared encoder, as BERTSumExt (Liu and Lapata 2019) but over mean-pooled sentence
/// states: each sentence's tokens' states averaged, one linear score. Trained beside a summarizer
/// (<see cref="DecoderHeadConfig.SentenceSalienceWeight"/>) so the encoder's states say which sentence carries a
/// document's point. Export writes its weights as the bundle's sentence ranker, which serving applies to the same
/// mean in-context states (<see cref="Weights"/>).
/// </summary>
public sealed class SentenceSalienceHead : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear score;

    public SentenceSalienceHead(int hiddenSize)
        : base(nameof(SentenceSalienceHead))
    {
        score = Linear(hiddenSize, 1);
        RegisterComponents();
        BertInitializer.Apply(score, 0.02);
    }

    /// <summary>The score's weights, one per hidden unit (its bias is the same for every sentence of a document, so it
    /// does not change their order).</summary>
    public float[] Weights() => score.weight!.detach().flatten().data<float>().ToArray();

    /// <param name="hiddenStates">(B, T, H) encoder output.</param>
    /// <param name="pooling">(B, N, T): row n of document b averages sentence n's tokens (zeros for padding
    /// sentences).</param>
    /// <returns>(B, N) float32 scores.</returns>
    public override Tensor forward(Tensor hiddenStates, Tensor pooling)
    {
        using var scope = NewDisposeScope();
        var sentences = pooling.to(hiddenStates.dtype).matmul(hiddenStates); // (B, N, H)
        return MixedPrecision.Apply(score, sentences).squeeze(-1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
