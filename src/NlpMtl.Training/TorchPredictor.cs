using NlpMtl.Core.Generation;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>Batched predictions with the TorchSharp model (evaluation during training, and the reference for export
/// parity).</summary>
public static class TorchPredictor
{
    public static IReadOnlyList<(string Label, double Probability)> Classify(
        MultiTaskModel model,
        BertInputTokenizer tokenizer,
        IReadOnlyList<string> texts,
        int batchSize
    )
    {
        var labels = model.Config.Sentiment?.Labels
            ?? throw new InvalidOperationException("the model has no sentiment head");
        var results = new List<(string, double)>(texts.Count);
        foreach (var chunk in texts.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (ids, mask) = Tensors(tokenizer.EncodeBatch(chunk));
            var probabilities = model.SentimentLogits(model.Encode(ids, mask, zeros_like(ids)), mask).softmax(-1);
            var (best, index) = probabilities.max(-1);
            var scores = best.data<float>().ToArray();
            var indices = index.data<long>().ToArray();
            for (var i = 0; i < chunk.Length; i++)
                results.Add((labels[indices[i]], scores[i]));
        }
        return results;
    }

    public static IReadOnlyList<string> Generate(
        MultiTaskModel model,
        string task,
        BertInputTokenizer tokenizer,
        IDecoderVocabulary vocabulary,
        IReadOnlyList<string> sources,
        GenerationSettings options,
        int batchSize
    )
    {
        var results = new string[sources.Count];
        // Sort by length so each batch pads little; results go back to input order.
        var order = Enumerable.Range(0, sources.Count).OrderBy(i => sources[i].Length).ToArray();
        foreach (var chunk in order.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var (ids, mask) = Tensors(tokenizer.EncodeBatch(chunk.Select(i => sources[i]).ToList()));
            var outputs = Seq2SeqGenerator.Generate(model, task, ids, mask, options);
            for (var i = 0; i < chunk.Length; i++)
                results[chunk[i]] = vocabulary.Decode(outputs[i]);
        }
        return results;
    }

    /// <summary>Each source's sentence that the summarizer's sentence classifier ranks first, reading the source as
    /// training does (<see cref="SentenceTargets.Split"/>); "" for a source without a sentence.</summary>
    public static IReadOnlyList<string> TopSentences(
        MultiTaskModel model,
        string task,
        BertInputTokenizer tokenizer,
        IReadOnlyList<string> sources,
        int batchSize
    )
    {
        var results = Enumerable.Repeat("", sources.Count).ToArray();
        var documents = sources.Select(source => SentenceTargets.Split(tokenizer, source)).ToArray();
        var order = Enumerable
            .Range(0, sources.Count)
            .Where(i => documents[i].Spans.Length > 0)
            .OrderBy(i => documents[i].Ids.Length)
            .ToArray();
        foreach (var chunk in order.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var rows = chunk.Select(i => documents[i]).ToList();
            var batch = BatchTensors.From([.. rows.Select(d => new TaskExample(d.Ids, 0, null))], tokenizer.PadId, 0);
            var hidden = model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            var (pooling, real) = BatchTensors.PoolSentences(
                [.. rows.Select(d => d.Spans)],
                (int)batch.InputIds.shape[1]
            );
            var top = model
                .SentenceScores(task, hidden, pooling)
                .masked_fill(real.logical_not(), float.NegativeInfinity)
                .argmax(-1)
                .data<long>()
                .ToArray();
            for (var b = 0; b < chunk.Length; b++)
                results[chunk[b]] = rows[b].Texts[top[b]];
        }
        return results;
    }

    static (Tensor Ids, Tensor Mask) Tensors(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape));
    }
}
