using NlpMtl.Modeling.Bert;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.MultiTask;

/// <summary>Mirrors the head of HF <c>BertForSequenceClassification</c> (dropout + linear), over mean or [CLS]
/// pooling.</summary>
public sealed class SequenceClassificationHead : Module<Tensor, Tensor, Tensor>
{
    private readonly FastDropout dropout;
    private readonly Linear classifier;
    private readonly bool meanPooling;

    public SequenceClassificationHead(int hiddenSize, SentimentHeadConfig config)
        : base(nameof(SequenceClassificationHead))
    {
        dropout = new FastDropout(config.Dropout);
        classifier = Linear(hiddenSize, config.Labels.Length);
        meanPooling = config.Pooling switch
        {
            "mean" => true,
            "cls" => false,
            _ => throw new InvalidDataException($"sentiment pooling '{config.Pooling}' is not supported (mean, cls)"),
        };
        RegisterComponents();
        BertInitializer.Apply(classifier, 0.02);
    }

    /// <param name="hiddenStates">(B, T, H) encoder output.</param>
    /// <param name="attentionMask">(B, T) 1 for tokens, 0 for padding.</param>
    /// <returns>(B, C) logits.</returns>
    public override Tensor forward(Tensor hiddenStates, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        Tensor pooled;
        if (meanPooling)
        {
            var mask = attentionMask.to(hiddenStates.dtype).unsqueeze(-1); // (B, T, 1)
            pooled = (hiddenStates * mask).sum(1) / mask.sum(1).clamp_min(1e-9); // (B, H)
        }
        else
        {
            pooled = hiddenStates.select(1, 0); // (B, H)
        }
        return MixedPrecision.Apply(classifier, dropout.call(pooled)).MoveToOuterDisposeScope();
    }
}
