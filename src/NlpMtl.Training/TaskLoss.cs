using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Training;

/// <summary>The training loss of one task's batch: class cross-entropy, or label-smoothed token cross-entropy, plus
/// the weighted sentence cross-entropy of a summarizer's sentence classifier when it has one.</summary>
public static class TaskLoss
{
    /// <param name="computeType">Matrix products in this type (bfloat16 mixed precision), or null for float32.</param>
    public static Tensor Compute(
        MultiTaskModel model,
        string task,
        BatchTensors batch,
        double labelSmoothing,
        ScalarType? computeType = null
    ) => ComputeTerms(model, task, batch, labelSmoothing, computeType).Total;

    /// <summary>The loss to train on and, apart, the sentence classifier's unweighted cross-entropy when this batch
    /// trains one (null otherwise), for the training log.</summary>
    /// <param name="sentencesTrainEncoder">False: the sentence classifier reads the encoder's states detached, so its
    /// loss trains its head and not the shared encoder
    /// (<see cref="TaskTrainingConfig.SentenceSalienceEncoderEpochs"/>).</param>
    public static TaskLossTerms ComputeTerms(
        MultiTaskModel model,
        string task,
        BatchTensors batch,
        double labelSmoothing,
        ScalarType? computeType = null,
        bool sentencesTrainEncoder = true
    )
    {
        using var autocast = MixedPrecision.Autocast(computeType);
        var hidden = model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        if (task == TaskNames.Sentiment)
            return new(functional.cross_entropy(model.SentimentLogits(hidden, batch.AttentionMask), batch.Labels!));

        // (B, t, V)
        var logits = model.DecoderLogits(task, hidden, batch.AttentionMask, batch.DecoderInputIds!, batch.InputIds);
        // Mean over real target tokens: padding labels are ignored, so long and short batches weigh per token.
        var loss = functional.cross_entropy(
            logits.view(-1, logits.shape[2]),
            batch.Labels!.view(-1),
            ignore_index: BatchTensors.Ignore,
            label_smoothing: labelSmoothing
        );
        var weight = model.Config.Decoder(task).SentenceSalienceWeight;
        if (weight <= 0 || batch.SentencePooling is not { } pooling)
            return new(loss);
        // A large finite score for padding sentences, not −∞: a row of −∞ gives NaN even where its label is ignored.
        var sentenceStates = sentencesTrainEncoder ? hidden : hidden.detach();
        var scores = model
            .SentenceScores(task, sentenceStates, pooling)
            .masked_fill(batch.SentenceMask!.logical_not(), -1e4);
        var sentences = functional.cross_entropy(scores, batch.BestSentence!, ignore_index: BatchTensors.Ignore);
        return new(loss + weight * sentences, sentences);
    }
}

/// <param name="Total">What the step trains on.</param>
/// <param name="Sentences">The sentence classifier's cross-entropy, before its weight; null without one.</param>
public sealed record TaskLossTerms(Tensor Total, Tensor? Sentences = null);
