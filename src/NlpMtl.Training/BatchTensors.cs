using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>A padded (B, T) batch of one task, as tensors; targets are split into decoder inputs and labels.</summary>
public sealed record BatchTensors(
    Tensor InputIds,
    Tensor AttentionMask,
    Tensor TokenTypeIds,
    Tensor? Labels,
    Tensor? DecoderInputIds,
    long Tokens
)
{
    /// <summary>Label value the losses ignore (padding).</summary>
    public const long Ignore = -100;

    /// <summary>(B, N, T) averaging weights of each document's sentences' tokens, when a sentence classifier trains on
    /// this batch (<see cref="TaskExample.Sentences"/>).</summary>
    public Tensor? SentencePooling { get; init; }

    /// <summary>(B, N) true for a real sentence, false for padding.</summary>
    public Tensor? SentenceMask { get; init; }

    /// <summary>(B) the sentence to rank first, <see cref="Ignore"/> where none is.</summary>
    public Tensor? BestSentence { get; init; }

    /// <summary>Builds the tensors in the current dispose scope.</summary>
    public static BatchTensors From(IReadOnlyList<TaskExample> batch, int sourcePadId, int targetPadId)
    {
        var sourceLength = batch.Max(e => e.SourceIds.Length);
        var ids = new long[batch.Count * sourceLength];
        var mask = new long[ids.Length];
        Array.Fill(ids, sourcePadId);
        for (var b = 0; b < batch.Count; b++)
        for (var t = 0; t < batch[b].SourceIds.Length; t++)
        {
            ids[b * sourceLength + t] = batch[b].SourceIds[t];
            mask[b * sourceLength + t] = 1;
        }
        long[] shape = [batch.Count, sourceLength];
        var tokens = batch.Sum(e => (long)e.Tokens);
        if (batch[0].TargetIds is null)
            return new BatchTensors(
                tensor(ids, shape),
                tensor(mask, shape),
                zeros(shape, ScalarType.Int64),
                tensor(batch.Select(e => (long)e.Label).ToArray()),
                null,
                tokens
            );

        // Teacher forcing: the decoder reads BOS … x_{n-1} and predicts x_1 … EOS; padding is ignored by the loss.
        var targetLength = batch.Max(e => e.TargetIds!.Length) - 1;
        var inputs = new long[batch.Count * targetLength];
        var labels = new long[inputs.Length];
        Array.Fill(inputs, targetPadId);
        Array.Fill(labels, Ignore);
        for (var b = 0; b < batch.Count; b++)
        {
            var target = batch[b].TargetIds!;
            for (var t = 0; t < target.Length - 1; t++)
            {
                inputs[b * targetLength + t] = target[t];
                labels[b * targetLength + t] = target[t + 1];
            }
        }
        long[] targetShape = [batch.Count, targetLength];
        return WithSentences(
            new BatchTensors(
                tensor(ids, shape),
                tensor(mask, shape),
                zeros(shape, ScalarType.Int64),
                tensor(labels, targetShape),
                tensor(inputs, targetShape),
                tokens
            ),
            batch,
            sourceLength
        );
    }

    static BatchTensors WithSentences(BatchTensors tensors, IReadOnlyList<TaskExample> batch, int sourceLength)
    {
        if (!batch.Any(e => e.Sentences is { Best: >= 0 }))
            return tensors;
        var (pooling, mask) = PoolSentences(batch.Select(e => e.Sentences?.Spans ?? []).ToList(), sourceLength);
        return tensors with
        {
            SentencePooling = pooling,
            SentenceMask = mask,
            BestSentence = tensor(batch.Select(e => e.Sentences is { Best: >= 0 } s ? s.Best : Ignore).ToArray()),
        };
    }

    /// <summary>(B, N, T) weights that average each row's sentences' tokens, N the most sentences of a row, and (B, N)
    /// true for a real sentence.</summary>
    public static (Tensor Pooling, Tensor Mask) PoolSentences(IReadOnlyList<Range[]> spans, int sourceLength)
    {
        var n = spans.Max(s => s.Length);
        var pooling = new float[spans.Count * n * sourceLength];
        var real = new bool[spans.Count * n];
        for (var b = 0; b < spans.Count; b++)
        for (var k = 0; k < spans[b].Length; k++)
        {
            var (start, end) = (spans[b][k].Start.Value, spans[b][k].End.Value);
            pooling.AsSpan((b * n + k) * sourceLength + start, end - start).Fill(1f / (end - start));
            real[b * n + k] = true;
        }
        return (tensor(pooling, [spans.Count, n, sourceLength]), tensor(real, [spans.Count, n]));
    }
}
