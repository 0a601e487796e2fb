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
        var results = new string[sources.Count];
        var documents = sources.Select(source => SentenceTargets.Split(tokenizer, source)).ToArray();
        var order = Enumerable.Range(0, sources.Count).OrderBy(i => documents[i].Ids.Length).ToArray();
        foreach (var chunk in order.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var rows = chunk.Select(i => documents[i]).ToList();
            if (rows.All(d => d.Spans.Length == 0))
            {
                foreach (var i in chunk)
                    results[i] = "";
                continue;
            }
            var length = rows.Max(d => d.Ids.Length);
            var ids = new long[rows.Count * length];
            var mask = new long[ids.Length];
            Array.Fill(ids, tokenizer.PadId);
            for (var b = 0; b < rows.Count; b++)
            for (var t = 0; t < rows[b].Ids.Length; t++)
                (ids[b * length + t], mask[b * length + t]) = (rows[b].Ids[t], 1);
            long[] shape = [rows.Count, length];
            var (idTensor, maskTensor) = (tensor(ids, shape), tensor(mask, shape));
            var hidden = model.Encode(idTensor, maskTensor, zeros_like(idTensor));
            var (pooling, real) = BatchTensors.PoolSentences(rows.Select(d => d.Spans).ToList(), length);
            var top = model
                .SentenceScores(task, hidden, pooling)
                .masked_fill(real.logical_not(), float.NegativeInfinity)
                .argmax(-1)
                .data<long>()
                .ToArray();
            for (var b = 0; b < chunk.Length; b++)
                results[chunk[b]] = rows[b].Texts.Length == 0 ? "" : rows[b].Texts[top[b]];
        }
        return results;
    }

    static (Tensor Ids, Tensor Mask) Tensors(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape));
    }
}
