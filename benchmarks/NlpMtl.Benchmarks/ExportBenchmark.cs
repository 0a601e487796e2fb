using System.Diagnostics;
using System.Numerics.Tensors;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Pretrained;
using NlpMtl.Onnx;
using NlpMtl.Onnx.Parity;
using NlpMtl.Onnx.Quantization;
using Onnx;

namespace NlpMtl.Benchmarks;

/// <summary>
/// <c>nlpmtl-bench export</c>: throughput of the graph variants export can write (fp32; int8 in each
/// <see cref="Int8Form"/>; fused operators), all built from one checkpoint and timed in one process on the same
/// inputs and thread count, so their ratios are comparable even when the machine's speed drifts between runs.
/// Variants are timed in rounds, interleaved, and the best round of each counts.
/// </summary>
public static class ExportBenchmark
{
    /// <param name="MedianRatio">Median over rounds of this variant's speed over fp32's in the same round: robust to a
    /// neighbour's load that comes and goes, which moves both runs of a round alike.</param>
    public sealed record Row(
        string Graph,
        string Variant,
        double PerSecond,
        string Unit,
        double MaxAbsVsFp32,
        double ArgmaxAgreement,
        double MedianRatio = 1
    );

    /// <param name="Rounds">Timed runs of each variant, interleaved; the fastest counts (on a shared machine the best
    /// of many runs estimates the uncontended speed; an average measures the neighbours).</param>
    /// <param name="Only">Comma-separated name fragments: time fp32 and only the variants whose names contain
    /// one.</param> <param name="ShortestRow">Encoder rows are ShortestRow·Tokens to Tokens long (the rest padding); 1
    /// for full rows.</param>
    public sealed record Settings(
        int Batch = 32,
        int Tokens = 64,
        int Threads = 0,
        int Rounds = 10,
        int RunsPerRound = 1,
        bool Decoders = true,
        string? Only = null,
        double ShortestRow = 0.75
    );

    public static IReadOnlyList<Row> Run(string checkpoint, Settings settings, Action<string>? log = null)
    {
        using var model = MultiTaskCheckpoint.Load(checkpoint);
        model.eval();
        var rows = new List<Row>();
        var encoder = EncoderExporter.Build(model);
        var fused = EncoderExporter.Build(model, EncoderOps.FusedAttention);
        var variants = new List<(string Name, ModelProto Graph)>
        {
            ("fp32", encoder),
            ("fp32 packed (padding removed)", EncoderExporter.Build(model, EncoderOps.Packed)),
            ("fp32 fused norms+gelu", EncoderExporter.Build(model, EncoderOps.FusedNorms)),
            ("fp32 fused norms+gelu+attention", fused),
        };
        variants.AddRange(Enum.GetValues<Int8Form>().Select(f => ($"int8 {f}", Int8Quantizer.Quantize(encoder, f))));
        variants.Add(FeedForwardOutputFp32(encoder));
        variants.Add(
            (
                "int8 fused norms+gelu+attention, DynamicQuantizeMatMul",
                Int8Quantizer.Quantize(fused, Int8Form.DynamicQuantizeMatMul)
            )
        );
        // The original SentenceTransformers export, timing only (a trained checkpoint's encoder has other weights):
        // the outside reference the exported encoder's speed is judged against.
        if (EmbeddedMiniLm.ModelName == BundleExporter.BaseModel(model.EncoderConfig))
            variants.Add(
                (
                    "original all-MiniLM-L6-v2 model.onnx (no sentiment head)",
                    ModelProto.Parser.ParseFrom(EmbeddedMiniLm.ReadModelOnnx())
                )
            );
        var inputs = EncoderInputs(settings, model.EncoderConfig.VocabSize);
        var output = model.Config.Sentiment is null ? BundleNames.LastHiddenState : BundleNames.SentimentLogits;
        rows.AddRange(Time(BundleNames.EncoderFile, variants, inputs, output, settings, settings.Batch, "seq/s", log));

        if (settings.Decoders)
            foreach (var task in model.Tasks.Where(t => t != TaskNames.Sentiment))
            {
                var step = DecoderExporter.Build(model, task);
                var stepVariants = new List<(string, ModelProto)> { ("fp32", step) };
                stepVariants.AddRange(
                    Enum.GetValues<Int8Form>().Select(f => ($"int8 {f}", Int8Quantizer.Quantize(step, f)))
                );
                stepVariants.Add(FeedForwardOutputFp32(step));
                var config = model.DecoderConfig(model.Config.Decoder(task));
                rows.AddRange(
                    Time(
                        BundleNames.DecoderFile(task),
                        stepVariants,
                        StepInputs(settings, config, model.Config.Decoder(task).Copy),
                        BundleNames.Logits,
                        settings,
                        1,
                        "steps/s",
                        log
                    )
                );
            }
        return rows;
    }

    /// <summary>The int8 variant <c>export --int8-exclude ffn-output</c> writes: what keeping the feed-forward output
    /// projections in fp32 costs in speed, against what it saves in agreement.</summary>
    static (string Name, ModelProto Graph) FeedForwardOutputFp32(ModelProto fp32) =>
        (
            $"int8 {Int8Export.DefaultForm}, feed-forward output fp32",
            Int8Quantizer.Quantize(fp32, Int8Export.DefaultForm, Int8Exclusion.FeedForwardOutput)
        );

    static IEnumerable<Row> Time(
        string graph,
        IReadOnlyList<(string Name, ModelProto Graph)> variants,
        Dictionary<string, (Array, long[])> inputs,
        string output,
        Settings settings,
        int itemsPerRun,
        string unit,
        Action<string>? log
    )
    {
        var optimized = Path.Combine(Path.GetTempPath(), $"nlpmtl-bench-{Environment.ProcessId}.onnx");
        var only = settings.Only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        variants = variants
            .Where(
                (v, i) =>
                    i == 0 || only is null || only.Any(o => v.Name.Contains(o, StringComparison.OrdinalIgnoreCase))
            )
            .ToList();
        var sessions = new List<GraphRunner>();
        foreach (var (name, proto) in variants)
        {
            using (
                var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    IntraOpNumThreads = settings.Threads,
                    OptimizedModelFilePath = optimized,
                }
            )
                sessions.Add(GraphRunner.FromArrays(proto.ToByteArray(), options, inputs));
            log?.Invoke(
                $"{graph} {name}: ORT runs {OpHistogram(ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)))}"
            );
            File.Delete(optimized);
        }
        try
        {
            var reference = sessions[0].Output(output)
                ?? throw new InvalidOperationException($"{graph}: no output '{output}'");
            var best = new double[sessions.Count];
            // per round: variant speed / fp32 speed of the same round
            var ratios = sessions.Select(_ => new List<double>()).ToArray();
            foreach (var session in sessions)
                session.Run(); // warm-up (first runs allocate)
            for (var round = 0; round < settings.Rounds; round++)
            {
                var speeds = new double[sessions.Count];
                for (var v = 0; v < sessions.Count; v++)
                {
                    var watch = Stopwatch.StartNew();
                    for (var r = 0; r < settings.RunsPerRound; r++)
                        sessions[v].Run();
                    speeds[v] = settings.RunsPerRound * itemsPerRun / watch.Elapsed.TotalSeconds;
                    best[v] = Math.Max(best[v], speeds[v]);
                }
                for (var v = 0; v < sessions.Count; v++)
                    ratios[v].Add(speeds[v] / speeds[0]);
            }
            for (var v = 0; v < sessions.Count; v++)
            {
                var row = sessions[v].Output(output) is { } result
                    ? new Row(
                        graph,
                        variants[v].Name,
                        best[v],
                        unit,
                        MaxAbs(result.Values, reference.Values),
                        ArgmaxAgreement(result, reference)
                    )
                    : new Row(graph, variants[v].Name, best[v], unit, double.NaN, double.NaN);
                row = row with { MedianRatio = Median(ratios[v]) };
                log?.Invoke(
                    $"{row.Graph} {row.Variant}: best {row.PerSecond:F1} {row.Unit} "
                        + $"({row.PerSecond / best[0]:F2}× fp32's best), "
                        + $"median of per-round ratios {row.MedianRatio:F2}× fp32, max |Δ| vs fp32 "
                        + $"{row.MaxAbsVsFp32:E2}, argmax agreement {row.ArgmaxAgreement:P1}"
                );
                yield return row;
            }
        }
        finally
        {
            foreach (var session in sessions)
                session.Dispose();
        }
    }

    /// <summary>A (batch, tokens) batch of in-vocabulary ids, rows <see cref="Settings.ShortestRow"/> to full length
    /// (by default 3/4: padding as a length-bucketed batch has).</summary>
    public static Dictionary<string, (Array, long[])> EncoderInputs(Settings settings, int vocabulary)
    {
        var random = new Random(42);
        var (ids, mask, types) = (
            new long[settings.Batch * settings.Tokens],
            new long[settings.Batch * settings.Tokens],
            new long[settings.Batch * settings.Tokens]
        );
        for (var row = 0; row < settings.Batch; row++)
        {
            var shortest = Math.Clamp((int)Math.Round(settings.ShortestRow * settings.Tokens), 1, settings.Tokens);
            var length = random.Next(shortest, settings.Tokens + 1);
            for (var t = 0; t < length; t++)
            {
                ids[row * settings.Tokens + t] = t == 0 ? 101 % vocabulary : random.Next(1000 % vocabulary, vocabulary);
                mask[row * settings.Tokens + t] = 1;
            }
        }
        long[] shape = [settings.Batch, settings.Tokens];
        return new()
        {
            [BundleNames.InputIds] = (ids, shape),
            [BundleNames.AttentionMask] = (mask, shape),
            [BundleNames.TokenTypeIds] = (types, shape),
        };
    }

    /// <summary>One decoding step of 8 rows after 16 cached tokens over a 64-token source (and its ids, for a copying
    /// head).</summary>
    static Dictionary<string, (Array, long[])> StepInputs(Settings settings, Modeling.Bert.BertConfig config, bool copy)
    {
        const int rows = 8,
            past = 16,
            source = 64;
        var random = new Random(7);
        float[] Randoms(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var inputs = new Dictionary<string, (Array, long[])>
        {
            [BundleNames.DecoderInputIds] = (
                Enumerable.Range(0, rows).Select(_ => (long)random.Next(3, config.VocabSize)).ToArray(),
                [rows, 1L]
            ),
            [BundleNames.EncoderAttentionMask] = (Enumerable.Repeat(1L, rows * source).ToArray(), [rows, (long)source]),
        };
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            long[] pastShape = [rows, config.NumAttentionHeads, past, config.HeadDim],
                crossShape = [rows, config.NumAttentionHeads, source, config.HeadDim];
            inputs[BundleNames.PastKey(i)] = (Randoms(rows * past * config.HiddenSize), pastShape);
            inputs[BundleNames.PastValue(i)] = (Randoms(rows * past * config.HiddenSize), pastShape);
            inputs[BundleNames.CrossKey(i)] = (Randoms(rows * source * config.HiddenSize), crossShape);
            inputs[BundleNames.CrossValue(i)] = (Randoms(rows * source * config.HiddenSize), crossShape);
        }
        if (copy)
        {
            inputs[BundleNames.CopyKeys] = (
                Randoms(rows * source * config.HiddenSize),
                [rows, source, config.HiddenSize]
            );
            inputs[BundleNames.EncoderInputIds] = (
                Enumerable.Range(0, rows * source).Select(_ => (long)random.Next(3, config.VocabSize)).ToArray(),
                [rows, (long)source]
            );
        }
        return inputs;
    }

    /// <summary>"MatMul×36, Attention×6, …": the op types of a graph, most frequent first.</summary>
    public static string OpHistogram(ModelProto model) =>
        string.Join(
            ", ",
            model
                .Graph.Node.GroupBy(n => n.OpType)
                .OrderByDescending(g => g.Count())
                .ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key}×{g.Count()}")
        );

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1
            ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static double MaxAbs(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    /// <summary>Rows whose argmax over the last axis agrees.</summary>
    static double ArgmaxAgreement((float[] Values, long[] Shape) a, (float[] Values, long[] Shape) b)
    {
        var width = (int)a.Shape[^1];
        var rows = a.Values.Length / width;
        var agree = 0;
        for (var r = 0; r < rows; r++)
            if (ArgMax(a.Values.AsSpan(r * width, width)) == ArgMax(b.Values.AsSpan(r * width, width)))
                agree++;
        return (double)agree / rows;
    }

    static int ArgMax(ReadOnlySpan<float> row) => TensorPrimitives.IndexOfMax(row);
}
