using Microsoft.Extensions.Logging;
using NlpMtl.Core.Data;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Inference;

/// <summary>
/// Runs every requested head of a bundle on batches of documents, encoding each document once: the encoder's hidden
/// states feed each generative head's cross graph and its sentiment logits give the label. Thread-safe (ORT sessions
/// are); for documents that arrive one at a time use <see cref="BatchingInferenceService"/>, which batches them.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    readonly SourcePolicy policy;

    public InferenceEngine(ModelBundle bundle)
    {
        Bundle = bundle;
        policy = new SourcePolicy(bundle.Manifest, bundle.Tokenizer);
    }

    public ModelBundle Bundle { get; }
    public IReadOnlyList<string> Tasks => Bundle.Tasks;

    /// <summary>Loads a bundle folder (see <see cref="ModelBundle.Load"/>).</summary>
    public static InferenceEngine Load(string bundleDirectory, InferenceOptions? options = null, ILogger? logger = null, IReadOnlyCollection<string>? tasks = null) =>
        new(ModelBundle.Load(bundleDirectory, options, logger, tasks));

    /// <summary>Encoder tokens a task reads at most (<see cref="SourcePolicy"/>).</summary>
    public int SourceLimit(string task) => policy.Limit(task);

    /// <summary>Tokenises and truncates one document; fails (ArgumentException) only on a task this engine does not serve.</summary>
    public EncodedDocument Encode(DocumentRequest document)
    {
        Validate(document);
        return policy.Encode(document);
    }

    /// <summary>Every document checked first (so a bad one fails before any work), then tokenised on all cores.</summary>
    public List<EncodedDocument> Encode(IReadOnlyList<DocumentRequest> documents)
    {
        foreach (var document in documents) Validate(document);
        return documents.Count < 64 ? documents.Select(policy.Encode).ToList() : documents.AsParallel().AsOrdered().Select(policy.Encode).ToList();
    }

    void Validate(DocumentRequest document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Tasks.Count == 0) throw new ArgumentException($"document '{document.Id}': no tasks requested", nameof(document));
        foreach (var task in document.Tasks)
            if (!Tasks.Contains(task))
                throw new ArgumentException($"document '{document.Id}': task '{task}' is not served by {Bundle.Directory} (tasks: {string.Join(", ", Tasks)})", nameof(document));
    }

    /// <summary>
    /// Every document of <paramref name="documents"/>, batched by <see cref="BatchPlanner"/> (similar lengths together);
    /// results in input order. What <c>nlpmtl predict</c> and <c>eval</c> use.
    /// </summary>
    public IReadOnlyList<DocumentResult> Predict(IReadOnlyList<DocumentRequest> documents, BatchingOptions? batching = null, CancellationToken cancellationToken = default)
    {
        batching ??= new BatchingOptions();
        var encoded = Encode(documents);
        var results = new DocumentResult[encoded.Count];
        foreach (var batch in BatchPlanner.Plan(encoded.Select(e => e.Tokens).ToList(), batching.TokenBudget, batching.MaxBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outputs = Run(batch.Select(i => encoded[i]).ToList(), cancellationToken);
            for (var i = 0; i < batch.Length; i++) results[batch[i]] = outputs[i];
        }
        return results;
    }

    /// <summary>One batch, as given (no reordering or splitting): one encoder pass, then each requested head.</summary>
    public IReadOnlyList<DocumentResult> Run(IReadOnlyList<EncodedDocument> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return [];
        var wants = (string task) => batch.Select((d, i) => (d, i)).Where(p => p.d.Request.Tasks.Contains(task)).Select(p => p.i).ToArray();
        var generative = Tasks.Where(t => t != "sentiment").Select(t => (Task: t, Rows: wants(t))).Where(p => p.Rows.Length > 0).ToList();
        var sentimentRows = wants("sentiment");
        using var encoded = EncoderBatch.Run(Bundle.Encoder, batch.Select(d => d.InputIds).ToList(), Bundle.Tokenizer.PadId,
            hidden: generative.Count > 0, sentiment: sentimentRows.Length > 0, Bundle.EncoderChunkPositions);

        var predictions = batch.Select(_ => new Dictionary<string, TaskPrediction>()).ToArray();
        if (sentimentRows.Length > 0)
        {
            var labels = Bundle.Manifest.Sentiment!.Labels;
            var logits = encoded.SentimentLogits!;
            if (logits.Length != batch.Count * labels.Length)
                throw new InvalidDataException($"{Bundle.Encoder.Path}: sentiment_logits has {logits.Length / batch.Count} columns but the manifest has {labels.Length} labels");
            foreach (var row in sentimentRows)
            {
                var (label, score) = SentimentScorer.Score(logits.AsSpan(row * labels.Length, labels.Length), labels);
                predictions[row]["sentiment"] = new TaskPrediction(batch[row].Request.Id, "sentiment") { Label = label, Score = score };
            }
        }
        foreach (var (task, rows) in generative)
        {
            var head = Bundle.Decoder(task);
            var ids = HeadGenerator.Generate(head, encoded, rows, cancellationToken);
            for (var i = 0; i < rows.Length; i++)
            {
                var text = head.Vocabulary.Decode(ids[i]);
                var id = batch[rows[i]].Request.Id;
                predictions[rows[i]][task] = task == "summarize" ? new TaskPrediction(id, task) { Summary = text } : new TaskPrediction(id, task) { Translation = text };
            }
        }
        return batch.Select((d, i) => new DocumentResult(d.Request.Id, d.Request.Tasks.Select(t => predictions[i][t]).ToList())).ToList();
    }

    public void Dispose() => Bundle.Dispose();
}
