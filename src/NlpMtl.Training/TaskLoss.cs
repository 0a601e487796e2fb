using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Training;

/// <summary>The training loss of one task's batch: class cross-entropy, or label-smoothed token
/// cross-entropy.</summary>
public static class TaskLoss
{
    /// <param name="computeType">Matrix products in this type (bfloat16 mixed precision), or null for float32.</param>
    public static Tensor Compute(
        MultiTaskModel model,
        string task,
        BatchTensors batch,
        double labelSmoothing,
        ScalarType? computeType = null
    )
    {
        using var autocast = MixedPrecision.Autocast(computeType);
        var hidden = model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        if (task == TaskNames.Sentiment)
            return functional.cross_entropy(model.SentimentLogits(hidden, batch.AttentionMask), batch.Labels!);

        // (B, t, V)
        var logits = model.DecoderLogits(task, hidden, batch.AttentionMask, batch.DecoderInputIds!, batch.InputIds);
        // Mean over real target tokens: padding labels are ignored, so long and short batches weigh per token.
        return functional.cross_entropy(
            logits.view(-1, logits.shape[2]),
            batch.Labels!.view(-1),
            ignore_index: BatchTensors.Ignore,
            label_smoothing: labelSmoothing
        );
    }
}
