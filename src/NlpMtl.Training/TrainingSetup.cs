using NlpMtl.Core;
using NlpMtl.Core.Hub;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Pretrained;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>Builds what a run starts from: the encoder checkpoint directory, the task data, the model, the
/// optimizer.</summary>
public static class TrainingSetup
{
    /// <summary>Everything a run or a benchmark starts from, built the same way for both.</summary>
    public sealed record Prepared(
        string EncoderDirectory,
        Dictionary<string, TaskData> Data,
        MultiTaskModel Model,
        LossBalancer Balancer,
        LeanAdamW Optimizer,
        double[] BaseRates,
        Dictionary<string, TaskBatches> Batches
    ) : IDisposable
    {
        /// <summary>What a step clears, clips and updates: the unfrozen model parameters and the balancer's
        /// log-variances.</summary>
        public List<Parameter> TrainableParameters() =>
            [.. Model.parameters().Where(p => p.requires_grad), Balancer.LogVariances];

        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>The config's <c>threads</c>, or every core of this machine when it gives none.</summary>
    public static int UseThreads(TrainingConfig config)
    {
        var threads = config.Threads > 0 ? config.Threads : Environment.ProcessorCount;
        set_num_threads(threads);
        return threads;
    }

    /// <summary>What a run starts from. Callers set the threads first (<see cref="UseThreads"/>), before they measure
    /// the precision on them.</summary>
    public static Prepared Prepare(TrainingConfig config, TrainerOptions options)
    {
        var encoderDirectory = EncoderDirectory(config, options);
        var data = LoadData(config, options, encoderDirectory);
        manual_seed(config.Seed); // fresh heads are initialised from torch's global generator
        var model = CreateModel(options, encoderDirectory, data);
        if (config.AttentionDropout is { } attentionDropout)
            foreach (var attention in model.modules().OfType<BertSelfAttention>())
                attention.DropoutProbability = attentionDropout;
        var balancer = new LossBalancer(
            config.Balancing,
            data.ToDictionary(p => p.Key, p => config.Tasks[p.Key].Weight)
        );
        var (optimizer, baseRates) = CreateOptimizer(model, config.Optimizer, data.Keys, balancer.LogVariances);
        var batches = data.ToDictionary(
            p => p.Key,
            p => new TaskBatches(
                p.Value.Train,
                p.Value.Settings.BatchSize,
                TaskSeed(config.Seed, p.Key),
                p.Value.Settings.WindowsPerPass
            )
        );
        return new Prepared(encoderDirectory, data, model, balancer, optimizer, baseRates, batches);
    }

    /// <summary>At most <paramref name="max"/> items (all when null).</summary>
    public static IReadOnlyList<T> AtMost<T>(IReadOnlyList<T> items, int? max) =>
        max is { } m && m < items.Count ? items.Take(m).ToList() : items;

    /// <summary>A per-task shuffling seed: FNV-1a of the task name mixed with the run's seed.</summary>
    static ulong TaskSeed(int seed, string task)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in task)
            hash = (hash ^ c) * 1099511628211UL;
        return hash ^ (ulong)seed;
    }

    /// <summary>
    /// The HF checkpoint directory of the base encoder: <c>pretrained</c> writes the embedded MiniLM once; a folder
    /// (relative to the config) that exists is used as it is; otherwise an <c>ORG/NAME[@REV]</c> is fetched from the
    /// Hub into its cache (as transformers' from_pretrained decides between a local folder and a Hub id).
    /// </summary>
    public static string EncoderDirectory(TrainingConfig config, TrainerOptions options)
    {
        if (options.From is not null)
            return Path.GetFullPath(options.From);
        if (config.BaseModel != "pretrained")
        {
            var local = config.Resolve(config.BaseModel);
            if (Directory.Exists(local) || !HubModelId.TryParse(config.BaseModel, out var id))
                return local;
            return HubCheckpoint.DownloadAsync(id).GetAwaiter().GetResult();
        }
        var directory = Path.Combine(options.OutputDirectory, "pretrained");
        if (!File.Exists(Path.Combine(directory, CheckpointFiles.Safetensors)))
            PretrainedCheckpointWriter.WriteMiniLm(directory);
        return directory;
    }

    public static Dictionary<string, TaskData> LoadData(
        TrainingConfig config,
        TrainerOptions options,
        string encoderDirectory
    )
    {
        var tasks = options.Tasks ?? [.. config.Tasks.Keys];
        var missing = tasks.FirstOrDefault(t => !config.Tasks.ContainsKey(t));
        if (missing is not null)
            throw new InvalidDataException($"--tasks names '{missing}', which the config does not configure");
        MultiTaskConfig? existing = options.From is null
            ? null
            : MultiTaskConfig.Load(Path.Combine(options.From, MultiTaskConfig.FileName));
        return tasks.ToDictionary(
            t => t,
            t => TaskData.Load(t, config.Tasks[t], config, encoderDirectory, existing, options.From)
        );
    }

    /// <summary>
    /// The checkpoint's model with its decoder heads as <paramref name="heads"/> says (a fine-tune that turns copying
    /// or the sentence classifier on gets a fresh pointer-generator or classifier; one that sets the classifier's
    /// weight to 0 loses it); every trained weight of a module that stays is carried over.
    /// </summary>
    static MultiTaskModel WithHeads(MultiTaskModel model, IReadOnlyList<(string Task, DecoderHeadConfig Head)> heads)
    {
        var config = heads.Aggregate(model.Config, (config, h) => config.WithDecoder(h.Task, h.Head));
        var changed = new MultiTaskModel(
            new BertModel(model.EncoderConfig with { Architectures = ["BertModel"] }),
            config,
            warmStartDecoders: false
        );
        ModuleWeights.CopyMatching(model, changed);
        model.Dispose();
        return changed;
    }

    /// <summary>A checkpoint's decoder head as a fine-tune configures it: copying once on stays on, and the sentence
    /// classifier trains with the weight <see cref="TaskData.Load"/> resolved, or goes at 0.</summary>
    static DecoderHeadConfig FineTuned(DecoderHeadConfig head, TaskData task) =>
        head with
        {
            Copy = head.Copy || task.Settings.Copy,
            SentenceSalienceWeight = task.SentenceSalienceWeight,
        };

    /// <summary>A fresh multi-task model on the base encoder, or the <c>--from</c> checkpoint with all its
    /// heads.</summary>
    public static MultiTaskModel CreateModel(
        TrainerOptions options,
        string encoderDirectory,
        IReadOnlyDictionary<string, TaskData> data
    )
    {
        if (options.From is not null)
        {
            var model = MultiTaskCheckpoint.Load(options.From);
            var absent = data.Keys.FirstOrDefault(t => !model.Tasks.Contains(t));
            if (absent is not null)
                throw new InvalidDataException($"{options.From}: the checkpoint has no {absent} head to fine-tune");
            var changed = data
                .Values.Where(t => t.Task != TaskNames.Sentiment)
                .Select(t => (t.Task, Head: FineTuned(model.Config.Decoder(t.Task), t)))
                .Where(h => h.Head != model.Config.Decoder(h.Task))
                .ToList();
            return changed.Count == 0 ? model : WithHeads(model, changed);
        }
        var heads = data.Values.Aggregate(new MultiTaskConfig(), (config, task) => task.AddHeadTo(config));
        return new MultiTaskModel(BertCheckpoint.Load(encoderDirectory), heads);
    }

    /// <summary>
    /// AdamW with BERT's grouping — no weight decay on biases and LayerNorm — and an optional higher rate for the
    /// heads of the trained tasks. Heads of tasks not being trained are frozen (--from … --tasks).
    /// </summary>
    public static (LeanAdamW Optimizer, double[] BaseRates) CreateOptimizer(
        MultiTaskModel model,
        OptimizerConfig config,
        IEnumerable<string> trainedTasks,
        Parameter logVariances
    )
    {
        var trained = trainedTasks.ToHashSet();
        foreach (var task in model.Tasks.Where(t => !trained.Contains(t)))
        foreach (var p in model.HeadParameters(task))
            p.requires_grad = false;

        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        bool IsHead(string name) => name.StartsWith("heads.", StringComparison.Ordinal);
        bool NoDecay(string name) =>
            name.EndsWith(".bias", StringComparison.Ordinal)
            || name.Contains("LayerNorm", StringComparison.Ordinal)
            || name.EndsWith("output_bias", StringComparison.Ordinal);
        var headRate = config.HeadLearningRate ?? config.LearningRate;
        var groups = new List<(IEnumerable<Parameter> Parameters, double Rate, double Decay)>
        {
            (
                named.Where(p => !IsHead(p.name) && !NoDecay(p.name)).Select(p => p.parameter),
                config.LearningRate,
                config.WeightDecay
            ),
            (named.Where(p => !IsHead(p.name) && NoDecay(p.name)).Select(p => p.parameter), config.LearningRate, 0.0),
            (
                named.Where(p => IsHead(p.name) && !NoDecay(p.name)).Select(p => p.parameter),
                headRate,
                config.WeightDecay
            ),
            (named.Where(p => IsHead(p.name) && NoDecay(p.name)).Select(p => p.parameter), headRate, 0.0),
            ([logVariances], headRate, 0.0),
        };
        var paramGroups = groups
            .Select(g => new AdamW.ParamGroup(g.Parameters.ToList(), g.Rate, 0.9, 0.999, 1e-8, g.Decay, false, false))
            .ToList();
        return (new LeanAdamW(paramGroups), groups.Select(g => g.Rate).ToArray());
    }
}
