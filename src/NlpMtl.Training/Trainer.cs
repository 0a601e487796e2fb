using System.Diagnostics;
using NlpMtl.Core.IO;
using NlpMtl.Core.Numerics;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Training.Reporting;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>
/// Multi-task fine-tuning: each step samples a task (or, with PCGrad, takes one batch of every task), computes its
/// loss on the shared encoder and that task's head, balances it, and updates with AdamW under a warm-up/decay
/// schedule, clipping and accumulation. Evaluates every N steps, keeps the best checkpoint (OUT/best) and the
/// resumable last one (OUT/last), stops early on a stalled combined score, and writes metrics.jsonl and curves.png.
/// </summary>
public sealed class Trainer(TrainingConfig config, TrainerOptions options)
{
    public sealed record Result(
        long Steps,
        double BestScore,
        long BestStep,
        IReadOnlyDictionary<string, double> LastMetrics,
        double TokensPerSecond
    );

    bool stepTaken;

    /// <summary>
    /// Trains. A run that fails before its first step (bad data, a CPU that cannot run the precision) removes the
    /// output folder it created, so a failed start leaves nothing behind to mistake for a run.
    /// </summary>
    public Result Run(CancellationToken cancellationToken = default)
    {
        var created = !Directory.Exists(options.OutputDirectory);
        try
        {
            return Train(cancellationToken);
        }
        catch when (created && !stepTaken)
        {
            try
            {
                Directory.Delete(options.OutputDirectory, recursive: true);
            }
            catch (IOException) { } // the original error is the one to report
            throw;
        }
    }

    Result Train(CancellationToken cancellationToken)
    {
        var threads = TrainingSetup.UseThreads(config);
        // Decided once, on this machine, before anything is written.
        var precision = PrecisionChoice.Resolve(
            config.Precision,
            options.Bf16Speedup is { } known ? () => known : null
        );
        (options.Log ?? Console.Out).WriteLine(precision.Reason);
        var computeType = precision.ComputeType;
        var output = Directory.CreateDirectory(options.OutputDirectory).FullName;
        var last = Path.Combine(output, "last");
        var resumed = options.Resume ? LoadResumeState(last) : null;
        var seed = RunSeed(resumed, last);
        using var prepared = TrainingSetup.Prepare(config with { Seed = seed }, options);
        var (encoderDirectory, data, model, balancer, optimizer, baseRates, batches) = prepared;
        foreach (var (task, stream) in batches)
            if (stream.DescribePass(task) is { } line)
                (options.Log ?? Console.Out).WriteLine(line);
        var timeBudget = options.TimeBudgetMinutes ?? config.TimeBudgetMinutes;
        var maxSteps = options.MaxSteps ?? config.MaxSteps;

        var state = resumed is null
            ? new TrainerState
            {
                Horizon = maxSteps,
                SamplerState = (ulong)seed,
                PcGradState = (ulong)seed + 1,
                Seed = seed,
            }
            // --max-steps on a resumed run moves its horizon, e.g. to extend a finished run.
            : resumed with
            {
                Seed = seed,
                Horizon = options.MaxSteps ?? resumed.Horizon,
            };
        if (resumed is not null)
        {
            using (var saved = MultiTaskCheckpoint.Load(last))
                CopyWeights(saved, model);
            optimizer.load_py(Path.Combine(last, TrainerState.OptimizerFile));
            foreach (var (task, position) in state.BatchPositions)
                batches[task].Restore(position[0], position[1]);
            balancer.Restore(state.LossRunningMeans, state.LogVariances);
        }
        MachineLog.Write(output, MachineRecord.Current(state.Step, threads, precision), resumed is not null);
        var sampler = new TaskSampler(
            TaskData.SamplingSizes(data),
            config.Sampling,
            state.SamplerState,
            config.SamplingWeights()
        );
        var pcGradRandom = new SplitMix64(state.PcGradState);
        var shared = model.EncoderParameters().Where(p => p.requires_grad).ToList();
        var pcGrad = config.Balancing.Method == "pcgrad" && data.Count > 1;
        var trainable = prepared.TrainableParameters();

        using var log = new MetricsLog(Path.Combine(output, "metrics.jsonl"), options.Resume ? state.Step : null);
        using var progress = new TrainingProgress(
            state.Horizon,
            timeBudget is null ? null : TimeSpan.FromMinutes(timeBudget.Value),
            options.Log
        );
        var clock = Stopwatch.StartNew();
        var elapsedBefore = state.ElapsedSeconds;
        long tokens = 0;
        Dictionary<string, double> lastMetrics = [];
        var step = state.Step;
        model.train();

        while (step < state.Horizon && !cancellationToken.IsCancellationRequested)
        {
            var losses = new Dictionary<string, double>();
            var sentenceLosses = new Dictionary<string, double>();
            var tokensBefore = tokens;
            using (var scope = NewDisposeScope())
            {
                manual_seed(seed * 1_000_003L + step); // dropout depends on the step alone, so resume repeats it
                ClearGradients(trainable);
                var taskGradients = new List<Tensor>();
                for (var micro = 0; micro < config.Optimizer.AccumulationSteps; micro++)
                {
                    foreach (var task in pcGrad ? data.Keys.Order(StringComparer.Ordinal).ToList() : [sampler.Next()])
                    {
                        var batch = BatchTensors.From(
                            batches[task].Next(),
                            data[task].SourceTokenizer.PadId,
                            data[task].Vocabulary?.PadId ?? 0
                        );
                        var sentencesTrainEncoder = SentencesTrainEncoder(data[task].Settings, batches[task]);
                        // The first batch past the limit (a run resumed later says nothing again).
                        if (
                            data[task].SentenceSalienceWeight > 0
                            && batches[task] is { Position: 1 } stream
                            && stream.Epoch == data[task].Settings.SentenceSalienceEncoderEpochs
                        )
                            (options.Log ?? Console.Out).WriteLine(
                                $"step {step + 1}: {task} has read {data[task].Settings.SentenceSalienceEncoderEpochs} "
                                    + "pass(es) over its examples; its sentence classifier now trains its head only, "
                                    + "not the encoder (sentence_salience_encoder_epochs)"
                            );
                        var (loss, sentenceLoss) = TaskLoss.ComputeTerms(
                            model,
                            task,
                            batch,
                            config.Optimizer.LabelSmoothing,
                            computeType,
                            sentencesTrainEncoder
                        );
                        losses[task] = loss.item<float>();
                        if (sentenceLoss is not null)
                            sentenceLosses[task] = sentenceLoss.item<float>();
                        (balancer.Combine(task, loss) / config.Optimizer.AccumulationSteps).backward();
                        tokens += batch.Tokens;
                        if (pcGrad)
                        {
                            taskGradients.Add(PcGrad.Snapshot(shared));
                            foreach (var p in shared)
                                p.grad?.zero_();
                        }
                    }
                }
                if (pcGrad)
                    PcGrad.Apply(shared, taskGradients, pcGradRandom);
                var factor = LearningRateSchedule.Factor(step, state.Horizon, config.Optimizer.WarmupRatio);
                var groups = optimizer.ParamGroups.ToList();
                for (var g = 0; g < groups.Count; g++)
                    groups[g].LearningRate = baseRates[g] * factor;
                optimizer.ClipAndStep(config.Optimizer.MaxGradNorm);
            }
            step++;
            stepTaken = true;
            options.OnStep?.Invoke(step);
            var seconds = elapsedBefore + clock.Elapsed.TotalSeconds;
            progress.Report(
                step,
                losses,
                baseRates[0] * LearningRateSchedule.Factor(step - 1, state.Horizon, config.Optimizer.WarmupRatio),
                tokens - tokensBefore
            );
            foreach (var (task, loss) in losses)
                log.Write(new MetricRecord(step, "train", $"loss/{task}", loss, DateTimeOffset.UtcNow));
            // Part of loss/TASK already (weighted); apart, to see whether the classifier still learns.
            foreach (var (task, loss) in sentenceLosses)
                log.Write(new MetricRecord(step, "train", $"loss/{task}.sentences", loss, DateTimeOffset.UtcNow));
            log.Write(
                new MetricRecord(
                    step,
                    "train",
                    "tokens_per_s",
                    tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
                    DateTimeOffset.UtcNow
                )
            );

            // Under a time budget the schedule's horizon follows the measured speed (evaluations included), so the
            // rate still decays to zero as the budget runs out; re-estimated every 50 steps as the speed settles.
            if (timeBudget is { } minutes && (step == 20 || step % 50 == 0))
            {
                state = state with
                {
                    Horizon = Math.Clamp(
                        step + (long)((minutes * 60 - seconds) / (seconds / step)),
                        step + 1,
                        maxSteps
                    ),
                };
                progress.UpdateMaxSteps(state.Horizon);
            }
            var outOfTime = timeBudget is { } budget && seconds >= budget * 60;
            // Stopped by a signal: save where the run stands at once. An evaluation can take minutes and the process
            // is given less; the next evaluation comes after --resume, as in a run that was never stopped.
            var stopped = cancellationToken.IsCancellationRequested;
            var finalStep = step >= state.Horizon || outOfTime || stopped;
            if (step % config.Evaluation.EverySteps != 0 && !finalStep)
                continue;

            var improved = false;
            var score = state.BestScore;
            if (!stopped)
            {
                var evaluation = config.Evaluation;
                lastMetrics = Evaluator.Evaluate(
                    model,
                    data,
                    evaluation.MaxExamples,
                    evaluation.NumBeams,
                    evaluation.BatchSize
                );
                progress.ReportEval(step, lastMetrics);
                foreach (var (name, value) in lastMetrics)
                    log.Write(new MetricRecord(step, "eval", name, value, DateTimeOffset.UtcNow));
                score = lastMetrics.GetValueOrDefault("combined", -losses.Values.Average());
                improved = score > state.BestScore;
            }
            state = state with
            {
                Step = step,
                SamplerState = sampler.State,
                PcGradState = pcGradRandom.State,
                ElapsedSeconds = seconds,
                BatchPositions = batches.ToDictionary(p => p.Key, p => new[] { p.Value.Epoch, p.Value.Position }),
                LossRunningMeans = balancer.RunningMeans.ToDictionary(),
                LogVariances = balancer.LogVariances.data<float>().ToArray(),
                BestScore = improved ? score : state.BestScore,
                BestStep = improved ? step : state.BestStep,
                EvaluationsWithoutImprovement =
                    stopped ? state.EvaluationsWithoutImprovement
                    : improved ? 0
                    : state.EvaluationsWithoutImprovement + 1,
            };
            if (improved)
                Save(model, data, encoderDirectory, Path.Combine(output, "best"));
            var saved = state;
            Save(model, data, encoderDirectory, last, staging =>
            {
                optimizer.save_py(Path.Combine(staging, TrainerState.OptimizerFile));
                saved.Save(staging);
            });
            if (
                outOfTime
                || (config.Evaluation.Patience > 0 && state.EvaluationsWithoutImprovement >= config.Evaluation.Patience)
            )
                break;
        }

        if (step == 0 && !Directory.Exists(Path.Combine(output, "best")))
        {
            // --max-steps 0: the base encoder with freshly initialised heads, as a checkpoint export and predict
            //   accept.
            Save(model, data, encoderDirectory, Path.Combine(output, "best"));
            (options.Log ?? Console.Out).WriteLine("0 steps: wrote the base encoder with untrained heads to best/");
        }
        TrainingPlot.Save(MetricsLog.Read(Path.Combine(output, "metrics.jsonl")), Path.Combine(output, "curves.png"));
        var trainingSeconds = clock.Elapsed.TotalSeconds;
        var final =
            config.Evaluation.Final && !cancellationToken.IsCancellationRequested
                ? FinalEvaluation(output, data)
                : null;
        return new Result(
            step,
            state.BestScore,
            state.BestStep,
            final ?? lastMetrics,
            tokens / Math.Max(trainingSeconds, 1e-9)
        );
    }

    /// <summary>The best checkpoint on the (full, by default) validation sets with the heads' beam settings.</summary>
    Dictionary<string, double> FinalEvaluation(string output, IReadOnlyDictionary<string, TaskData> data)
    {
        var evaluation = config.Evaluation;
        using var best = MultiTaskCheckpoint.Load(Path.Combine(output, "best"));
        var watch = Stopwatch.StartNew();
        var metrics = Evaluator.Evaluate(
            best,
            data,
            evaluation.FinalMaxExamples,
            evaluation.FinalNumBeams,
            evaluation.BatchSize
        );
        metrics["eval_seconds"] = watch.Elapsed.TotalSeconds;
        File.WriteAllText(
            Path.Combine(output, "final_metrics.json"),
            System.Text.Json.JsonSerializer.Serialize(
                metrics,
                new System.Text.Json.JsonSerializerOptions { WriteIndented = true }
            )
        );
        return metrics;
    }

    /// <summary>
    /// Gradients to none, not zero (PyTorch's set_to_none): AdamW then skips the heads of tasks not in this step, so
    /// their momentum does not move them, and a resumed run — whose fresh parameters have no gradient — matches.
    /// </summary>
    public static void ClearGradients(IEnumerable<Parameter> parameters)
    {
        foreach (var p in parameters)
        {
            var grad = p.grad;
            if (grad is null)
                continue;
            p.grad = null;
            grad.Dispose();
        }
    }

    /// <summary>Writes a checkpoint beside its folder and renames it into place (<see cref="StagedDirectory"/>): a
    /// process killed while saving leaves the previous best/ or last/ whole, never new weights beside an old optimizer
    /// state. <paramref name="extra"/> adds files before the swap (last/: the optimizer and trainer state).</summary>
    static void Save(
        MultiTaskModel model,
        IReadOnlyDictionary<string, TaskData> data,
        string encoderDirectory,
        string directory,
        Action<string>? extra = null
    ) => StagedDirectory.Write(directory, staging =>
        {
            MultiTaskCheckpoint.Save(
                model,
                staging,
                encoderDirectory,
                data.Values.Where(d => d.TargetTokenizerSource is not null)
                    .ToDictionary(d => d.Task, d => d.TargetTokenizerSource!)
            );
            extra?.Invoke(staging);
        });

    /// <summary>Whether the sentence classifier's loss still trains the shared encoder on the batch just drawn from
    /// <paramref name="batches"/>: while that batch is in one of the first
    /// <see cref="TaskTrainingConfig.SentenceSalienceEncoderEpochs"/> passes over the task's examples (always without
    /// a limit). The pass is the batch stream's, so a resumed run switches at the same step.</summary>
    public static bool SentencesTrainEncoder(TaskTrainingConfig settings, TaskBatches batches) =>
        settings.SentenceSalienceEncoderEpochs is not { } passes || batches.Epoch < passes;

    TrainerState LoadResumeState(string last)
    {
        if (StagedDirectory.Recover(last))
            (options.Log ?? Console.Out).WriteLine(
                $"{last}: the last save was cut between its renames; resuming from the one before it"
            );
        return TrainerState.Load(last);
    }

    /// <summary>
    /// The seed of this run: <c>--seed</c>, else the config's. A resumed run keeps the seed its state recorded, since
    /// the batch order and dropout depend on it: a different <c>--seed</c> is refused, and a config edited since is
    /// overruled, with a line saying so. A state saved before the seed was recorded takes <c>--seed</c> or the
    /// config's, as before.
    /// </summary>
    int RunSeed(TrainerState? resumed, string last)
    {
        var requested = options.Seed ?? config.Seed;
        if (resumed?.Seed is not { } saved || saved == requested)
            return requested;
        var state = Path.Combine(last, TrainerState.FileName);
        if (options.Seed is { } flag)
            throw new ArgumentException(
                $"--seed {flag}: {state} was trained with seed {saved}, which a resumed run keeps"
            );
        (options.Log ?? Console.Out).WriteLine(
            $"{state}: resuming with the run's seed {saved}, not the config's {config.Seed}"
        );
        return saved;
    }

    static void CopyWeights(MultiTaskModel from, MultiTaskModel to)
    {
        var source = from.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in to.state_dict())
            tensor.copy_(source[name]);
    }
}
