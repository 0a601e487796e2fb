using System.Diagnostics;
using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Training;
using static TorchSharp.torch;

namespace NlpMtl.Benchmarks;

/// <summary>
/// Training throughput against the machine's fp32 GEMM limit, both measured in one process: a large TorchSharp
/// MatMul (4096×384·384×1536, the encoder's feed-forward shape) gives the practical peak; real training steps of a
/// config give tokens/s, and their matrix FLOPs — counted from the padded batch shapes, forward ×3 for the backward
/// pass — give the fraction of that peak the trainer uses. Steps are the trainer's: gradients set to none, clipping
/// over the parameters that have one, the same optimizer.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>Seconds of one measured step in its three phases (clipping counts with the optimizer).</summary>
    /// <param name="Flops">Matrix FLOPs of the step (forward ×3), counted as for the whole run.</param>
    public readonly record struct StepPhases(double Forward, double Backward, double Optimizer, double Flops = 0)
    {
        public double Total => Forward + Backward + Optimizer;
    }

    /// <param name="PeakGflops">The fp32 MatMul's rate: the limit the utilisation is stated against.</param>
    /// <param name="ComputePeakGflops">With mixed precision, the same MatMul in the products' type (bfloat16); else
    /// null.</param>
    public sealed record Report(
        double PeakGflops,
        double? ComputePeakGflops,
        double TrainingGflops,
        double TokensPerSecond,
        double PaddedTokensPerSecond,
        double StepsPerSecond,
        IReadOnlyDictionary<string, IReadOnlyList<StepPhases>> StepsByTask
    )
    {
        public double Utilisation => TrainingGflops / PeakGflops;

        public StepPhases AverageStep(string task)
        {
            var steps = StepsByTask[task];
            return new(
                steps.Average(s => s.Forward),
                steps.Average(s => s.Backward),
                steps.Average(s => s.Optimizer),
                steps.Average(s => s.Flops)
            );
        }

        /// <summary>Matrix GFLOP/s of one task's steps alone: where the run's utilisation is lost.</summary>
        public double TaskGflops(string task) =>
            StepsByTask[task].Sum(s => s.Flops) / StepsByTask[task].Sum(s => s.Total) / 1e9;

        public double OptimizerShare
        {
            get
            {
                var all = StepsByTask.Values.SelectMany(s => s).ToList();
                return all.Sum(s => s.Optimizer) / all.Sum(s => s.Total);
            }
        }
    }

    public static double MatMulPeakGflops(int repeats = 20, ScalarType type = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(4096, 384).to(type);
        var b = randn(384, 1536).to(type);
        for (var i = 0; i < 3; i++)
            a.matmul(b).Dispose();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 2.0 * 4096 * 384 * 1536 / best / 1e9;
    }

    public static Report Run(
        TrainingConfig config,
        TrainerOptions options,
        PrecisionChoice precision,
        int steps,
        int warmupSteps = 3
    )
    {
        using var prepared = TrainingSetup.Prepare(config, options);
        var (_, data, model, balancer, optimizer, _, batches) = prepared;
        var sampler = new TaskSampler(
            TaskData.SamplingSizes(data),
            config.Sampling,
            (ulong)config.Seed,
            config.SamplingWeights()
        );
        model.train();
        var trainable = prepared.TrainableParameters();
        var peaks = new List<double> { MatMulPeakGflops() };
        var computeType = precision.ComputeType;
        var computePeaks = new List<double>();
        if (computeType is { } type)
            computePeaks.Add(MatMulPeakGflops(type: type));

        double flops = 0,
            seconds = 0;
        long tokens = 0,
            padded = 0;
        var stepsByTask = new Dictionary<string, List<StepPhases>>();
        for (var step = 0; step < warmupSteps + steps; step++)
        {
            var task = sampler.Next();
            var examples = batches[task].Next();
            var watch = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                Trainer.ClearGradients(trainable); // as the trainer: AdamW then updates only this task's parameters
                var batch = BatchTensors.From(
                    examples,
                    data[task].SourceTokenizer.PadId,
                    data[task].Vocabulary?.PadId ?? 0
                );
                var loss = balancer.Combine(
                    task,
                    TaskLoss.Compute(model, task, batch, config.Optimizer.LabelSmoothing, computeType)
                );
                var backwardStart = watch.Elapsed.TotalSeconds;
                loss.backward();
                var optimizerStart = watch.Elapsed.TotalSeconds;
                optimizer.ClipAndStep(config.Optimizer.MaxGradNorm);
                if (step < warmupSteps)
                    continue;
                var elapsed = watch.Elapsed.TotalSeconds;
                seconds += elapsed;
                var stepFlops = 3 * ForwardFlops(model, task, batch);
                (stepsByTask.TryGetValue(task, out var list) ? list : stepsByTask[task] = []).Add(
                    new StepPhases(backwardStart, optimizerStart - backwardStart, elapsed - optimizerStart, stepFlops)
                );
                tokens += batch.Tokens;
                padded += batch.InputIds.numel() + (batch.DecoderInputIds?.numel() ?? 0);
                flops += stepFlops;
            }
            // The peak is re-measured between steps: on a shared machine the load changes during a run, and the ratio
            // should compare training with the GEMM speed available at the same time.
            if (step < warmupSteps)
                continue;
            peaks.Add(MatMulPeakGflops(repeats: 3));
            if (computeType is { } lowType)
                computePeaks.Add(MatMulPeakGflops(repeats: 3, lowType));
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        return new Report(
            Median(peaks),
            computePeaks.Count > 0 ? Median(computePeaks) : null,
            flops / seconds / 1e9,
            tokens / seconds,
            padded / seconds,
            steps / seconds,
            stepsByTask.ToDictionary(p => p.Key, p => (IReadOnlyList<StepPhases>)p.Value)
        );
    }

    /// <summary>Matrix-multiply FLOPs of one forward pass over the padded batch (2 per multiply-add).</summary>
    public static double ForwardFlops(MultiTaskModel model, string task, BatchTensors batch)
    {
        var encoder = model.EncoderConfig;
        double b = batch.InputIds.shape[0],
            s = batch.InputIds.shape[1],
            h = encoder.HiddenSize,
            ffn = encoder.IntermediateSize;
        // Per encoder layer: Q, K, V, O projections, the feed-forward pair, and attention scores + weighted values.
        var flops = encoder.NumHiddenLayers * b * (2 * s * (4 * h * h + 2 * h * ffn) + 4 * s * s * h);
        if (task == TaskNames.Sentiment)
            return flops + 2 * b * h * model.Config.Sentiment!.Labels.Length;
        var head = model.Config.Decoder(task);
        var t = (double)batch.DecoderInputIds!.shape[1];
        // Per decoder layer: self-attention (4 projections + t×t attention), cross-attention (Q, O on t; K, V on s;
        // t×s attention), feed-forward; then the tied output projection over the vocabulary.
        var perLayer =
            2 * t * 4 * h * h
            + 4 * t * t * h
            + 2 * t * 2 * h * h
            + 2 * s * 2 * h * h
            + 4 * t * s * h
            + 2 * t * 2 * h * ffn;
        return flops + head.Layers * b * perLayer + 2 * b * t * h * head.VocabSize;
    }
}
