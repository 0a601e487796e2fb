using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Onnx.Parity;
using NlpMtl.Onnx.Quantization;
using Onnx;

namespace NlpMtl.Onnx;

/// <summary>
/// <c>nlpmtl bench export</c>: throughput of the graph variants export can write (fp32; int8 in each
/// <see cref="Int8Form"/>; fused operators), all built from one checkpoint and timed in one process on the same
/// inputs and thread count, so their ratios are comparable even when the machine's speed drifts between runs.
/// Variants are timed in rounds, interleaved, and the best round of each counts.
/// </summary>
public static class ExportBenchmark
{
    public sealed record Row(string Graph, string Variant, double PerSecond, string Unit, double MaxAbsVsFp32, double ArgmaxAgreement);

    public sealed record Settings(int Batch = 32, int Tokens = 64, int Threads = 2, int Rounds = 3, int RunsPerRound = 3, bool Decoders = true);

    public static IReadOnlyList<Row> Run(string checkpoint, Settings settings, Action<string>? log = null)
    {
        using var model = MultiTaskCheckpoint.Load(checkpoint);
        model.eval();
        var rows = new List<Row>();
        var encoder = EncoderExporter.Build(model);
        var variants = new List<(string Name, ModelProto Graph)> { ("fp32", encoder) };
        variants.AddRange(Enum.GetValues<Int8Form>().Select(f => ($"int8 {f}", Int8Quantizer.Quantize(encoder, f))));
        var inputs = EncoderInputs(settings, model.EncoderConfig.VocabSize);
        var output = model.Config.Sentiment is null ? BundleNames.LastHiddenState : BundleNames.SentimentLogits;
        rows.AddRange(Time(BundleNames.EncoderFile, variants, inputs, output, settings, settings.Batch, "seq/s", log));

        if (settings.Decoders)
            foreach (var task in model.Tasks.Where(t => t != TaskNames.Sentiment))
            {
                var step = DecoderExporter.Build(model, task);
                var stepVariants = new List<(string, ModelProto)> { ("fp32", step) };
                stepVariants.AddRange(Enum.GetValues<Int8Form>().Select(f => ($"int8 {f}", Int8Quantizer.Quantize(step, f))));
                var config = model.DecoderConfig(model.Config.Decoder(task));
                rows.AddRange(Time(BundleNames.DecoderFile(task), stepVariants, StepInputs(settings, config), BundleNames.Logits, settings, 1, "steps/s", log));
            }
        return rows;
    }

    static IEnumerable<Row> Time(string graph, IReadOnlyList<(string Name, ModelProto Graph)> variants, Dictionary<string, (Array, long[])> inputs,
        string output, Settings settings, int itemsPerRun, string unit, Action<string>? log)
    {
        var sessions = variants.Select(v => new OrtGraph(v.Graph.ToByteArray(), $"{graph} ({v.Name})", GraphOptimizationLevel.ORT_ENABLE_ALL, settings.Threads)).ToList();
        try
        {
            var reference = sessions[0].Run(inputs)[output];
            var best = new double[sessions.Count];
            for (var round = 0; round < settings.Rounds; round++)
                for (var v = 0; v < sessions.Count; v++)
                {
                    sessions[v].Run(inputs); // warm-up (first run allocates)
                    var watch = Stopwatch.StartNew();
                    for (var r = 0; r < settings.RunsPerRound; r++) sessions[v].Run(inputs);
                    best[v] = Math.Max(best[v], settings.RunsPerRound * itemsPerRun / watch.Elapsed.TotalSeconds);
                }
            for (var v = 0; v < sessions.Count; v++)
            {
                var result = sessions[v].Run(inputs)[output];
                var row = new Row(graph, variants[v].Name, best[v], unit, MaxAbs(result.Values, reference.Values), ArgmaxAgreement(result, reference));
                log?.Invoke($"{row.Graph} {row.Variant}: {row.PerSecond:F1} {row.Unit} ({row.PerSecond / best[0]:F2}× fp32), max |Δ| vs fp32 {row.MaxAbsVsFp32:E2}, argmax agreement {row.ArgmaxAgreement:P1}");
                yield return row;
            }
        }
        finally
        {
            foreach (var session in sessions) session.Dispose();
        }
    }

    /// <summary>A (batch, tokens) batch of in-vocabulary ids, rows 3/4 to full length (padding as a length-bucketed batch has).</summary>
    public static Dictionary<string, (Array, long[])> EncoderInputs(Settings settings, int vocabulary)
    {
        var random = new Random(42);
        var (ids, mask, types) = (new long[settings.Batch * settings.Tokens], new long[settings.Batch * settings.Tokens], new long[settings.Batch * settings.Tokens]);
        for (var row = 0; row < settings.Batch; row++)
        {
            var length = settings.Tokens - random.Next(settings.Tokens / 4);
            for (var t = 0; t < length; t++)
            {
                ids[row * settings.Tokens + t] = t == 0 ? 101 % vocabulary : random.Next(1000 % vocabulary, vocabulary);
                mask[row * settings.Tokens + t] = 1;
            }
        }
        long[] shape = [settings.Batch, settings.Tokens];
        return new() { [BundleNames.InputIds] = (ids, shape), [BundleNames.AttentionMask] = (mask, shape), [BundleNames.TokenTypeIds] = (types, shape) };
    }

    /// <summary>One decoding step of 8 rows after 16 cached tokens over a 64-token source.</summary>
    static Dictionary<string, (Array, long[])> StepInputs(Settings settings, Modeling.Bert.BertConfig config)
    {
        const int rows = 8, past = 16, source = 64;
        var random = new Random(7);
        float[] Randoms(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var inputs = new Dictionary<string, (Array, long[])>
        {
            [BundleNames.DecoderInputIds] = (Enumerable.Range(0, rows).Select(_ => (long)random.Next(3, config.VocabSize)).ToArray(), [rows, 1L]),
            [BundleNames.EncoderAttentionMask] = (Enumerable.Repeat(1L, rows * source).ToArray(), [rows, (long)source]),
        };
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            long[] pastShape = [rows, config.NumAttentionHeads, past, config.HeadDim], crossShape = [rows, config.NumAttentionHeads, source, config.HeadDim];
            inputs[BundleNames.PastKey(i)] = (Randoms(rows * past * config.HiddenSize), pastShape);
            inputs[BundleNames.PastValue(i)] = (Randoms(rows * past * config.HiddenSize), pastShape);
            inputs[BundleNames.CrossKey(i)] = (Randoms(rows * source * config.HiddenSize), crossShape);
            inputs[BundleNames.CrossValue(i)] = (Randoms(rows * source * config.HiddenSize), crossShape);
        }
        return inputs;
    }

    static double MaxAbs(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    /// <summary>Rows whose argmax over the last axis agrees.</summary>
    static double ArgmaxAgreement(FloatTensor a, FloatTensor b)
    {
        var width = (int)a.Shape[^1];
        var rows = a.Values.Length / width;
        var agree = 0;
        for (var r = 0; r < rows; r++)
            if (ArgMax(a.Values.AsSpan(r * width, width)) == ArgMax(b.Values.AsSpan(r * width, width))) agree++;
        return (double)agree / rows;
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
