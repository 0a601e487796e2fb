using System.Globalization;
using Microsoft.Extensions.Logging;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Core.Text;
using NlpMtl.Inference.Batching;
using NlpMtl.Inference.Documents;

namespace NlpMtl.Inference;

/// <summary>
/// Runs every requested head of a bundle on whole documents: each document becomes encoder rows
/// (<see cref="DocumentPlan"/>: sentences to translate, sentiment windows, the summarizer's source), the rows of all
/// documents are batched together, each row is encoded once for every use, and the answers are put back together per
/// document. Thread-safe (ORT sessions are); for documents that arrive one at a time use
/// <see cref="BatchingInferenceService"/>, which batches their rows.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    readonly SourcePolicy policy;
    readonly DocumentPlanner planner;

    /// <param name="salience">Chooses the summarizer's sentences in long documents (default: the bundle's
    /// <see cref="LearnedSalienceScorer"/> when it has one, else <see cref="CentroidSalienceScorer"/>).</param>
    public InferenceEngine(ModelBundle bundle, InferenceOptions? options = null, ISalienceScorer? salience = null)
    {
        Bundle = bundle;
        Options = options ?? new InferenceOptions();
        if (
            Options.SummaryStyle == SummaryStyle.Ranked
            && bundle.Tasks.Contains(TaskNames.Summarize)
            && bundle.Salience is null
        )
            throw new ArgumentException(
                $"{bundle.Directory}: SummaryStyle Ranked needs a sentence ranker in the bundle (nlpmtl salience "
                    + "fits one)"
            );
        policy = new SourcePolicy(
            bundle.Manifest,
            bundle.Tokenizer,
            Options.SummarySourceTokens,
            Options.TranslationPieceTokens
        );
        planner = new DocumentPlanner(
            bundle.Tokenizer,
            policy.Limit,
            TokenPieces.FromVocabulary(bundle.Tokenizer.Tokens),
            Options,
            salience ?? (ISalienceScorer?)bundle.Salience ?? new CentroidSalienceScorer(),
            bundle.Salience,
            bundle.Manifest.Sentiment?.Labels ?? [],
            bundle.Manifest.Encoder.MaxPositions,
            NumbersOf(bundle)
        );
    }

    /// <summary>The translation head's number convention (<see cref="NumberConvention"/>), null without one.</summary>
    static NumberConvention? NumbersOf(ModelBundle bundle)
    {
        var translate = bundle.Manifest.Translate;
        try
        {
            return NumberConvention.Between(translate?.SourceLanguage, translate?.TargetLanguage);
        }
        catch (CultureNotFoundException e)
        {
            var field = e.InvalidCultureName == translate!.SourceLanguage ? "source_language" : "target_language";
            throw new InvalidDataException(
                $"{Path.Combine(bundle.Directory, BundleManifest.FileName)}: translate.{field} "
                    + $"'{e.InvalidCultureName}' is not a language this system knows",
                e
            );
        }
    }

    public ModelBundle Bundle { get; }
    public InferenceOptions Options { get; }
    public IReadOnlyList<string> Tasks => Bundle.Tasks;

    /// <summary>Loads a bundle folder (see <see cref="ModelBundle.Load"/>).</summary>
    public static InferenceEngine Load(
        string bundleDirectory,
        InferenceOptions? options = null,
        ILogger? logger = null,
        IReadOnlyCollection<string>? tasks = null,
        ISalienceScorer? salience = null
    ) => new(ModelBundle.Load(bundleDirectory, options, logger, tasks), options, salience);

    /// <summary>Encoder tokens a task reads per row at most (<see cref="SourcePolicy"/>).</summary>
    public int SourceLimit(string task) => policy.Limit(task);

    /// <summary>A whole document's rows and their assembly; fails (ArgumentException) only on a task this engine does
    /// not serve.</summary>
    public DocumentPlan Plan(DocumentRequest document)
    {
        Validate(document);
        return planner.Plan(document);
    }

    /// <summary>Every document checked first (so a bad one fails before any work), then planned on all cores.</summary>
    public List<DocumentPlan> Plan(IReadOnlyList<DocumentRequest> documents)
    {
        foreach (var document in documents)
            Validate(document);
        return documents.Count < 8
            ? documents.Select(planner.Plan).ToList()
            : documents.AsParallel().AsOrdered().Select(planner.Plan).ToList();
    }

    /// <summary>The first tokens of one document as a single row (the head limits' truncation policy of
    /// <see cref="SourcePolicy"/>): for callers that want one encoder row per document, such as parity checks and
    /// benchmarks.</summary>
    public EncodedDocument Encode(DocumentRequest document)
    {
        Validate(document);
        return policy.Encode(document);
    }

    void Validate(DocumentRequest document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Tasks.Count == 0)
            throw new ArgumentException($"document '{document.Id}': no tasks requested", nameof(document));
        foreach (var task in document.Tasks)
            if (!Tasks.Contains(task))
                throw new ArgumentException(
                    $"document '{document.Id}': task '{task}' is not served by {Bundle.Directory} (tasks: "
                        + $"{string.Join(", ", Tasks)})",
                    nameof(document)
                );
    }

    /// <summary> Every document of <paramref name="documents"/>, whole: the rows of all of them batched by
    /// <see cref="BatchPlanner"/> (similar lengths together), then each document's answers assembled; results in input
    /// order. What <c>nlpmtl predict</c> and <c>eval</c> use. </summary>
    public IReadOnlyList<DocumentResult> Predict(
        IReadOnlyList<DocumentRequest> documents,
        BatchingOptions? batching = null,
        CancellationToken cancellationToken = default
    )
    {
        batching ??= new BatchingOptions();
        var plans = Plan(documents);
        var first = RunAll(plans.SelectMany(p => p.Rows).ToList(), batching, cancellationToken);
        var offsets = new int[plans.Count];
        for (var i = 1; i < plans.Count; i++)
            offsets[i] = offsets[i - 1] + plans[i - 1].Rows.Count;
        var outputs = plans
            .Select((p, i) => (IReadOnlyList<RowOutput>)new ArraySegment<RowOutput>(first, offsets[i], p.Rows.Count))
            .ToList();
        var second = plans.Select((p, i) => p.SecondStage(outputs[i])).ToList();
        var secondRows = second.Where(r => r is not null).Select(r => r!).ToList();
        var secondOutputs = new Queue<RowOutput>(RunAll(secondRows, batching, cancellationToken));
        return plans
            .Select((p, i) => p.Assemble(outputs[i], second[i] is null ? null : secondOutputs.Dequeue()))
            .ToList();
    }

    IReadOnlyList<string> SentimentLabels => planner.SentimentLabels;

    /// <summary>
    /// Each document's sentences as salience sees them when it chooses what the summarizer reads: segmented and
    /// tokenised as <see cref="Plan(DocumentRequest)"/> does (up to the cap), each with its vector of
    /// <paramref name="kind"/> — encoded alone (<see cref="DocumentPlanner.EmbeddingRow"/>) or pooled in its context
    /// window (<see cref="DocumentPlanner.ContextWindows"/>), the rows a plan runs for a scorer of that kind. For
    /// fitting and checking a <see cref="LearnedSalienceScorer"/> on this bundle's encoder. Sentences without tokens
    /// are left out.
    /// </summary>
    public IReadOnlyList<EmbeddedSentences> EmbedSentences(
        IReadOnlyList<string> texts,
        SentenceVectors kind,
        BatchingOptions? batching = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (kind == SentenceVectors.None)
            throw new ArgumentException("sentences have no vectors of kind None", nameof(kind));
        var documents = texts
            .Select(text => planner.Read(text))
            .Select(read => (read.Text, Sentences: read.Sentences.Where(s => s.Ids.Length > 0).ToList()))
            .ToList();
        // Per document, its rows; per row, how many sentence vectors it gives.
        var rows = documents
            .Select(d =>
                kind == SentenceVectors.Alone
                    ? d.Sentences.Select(s => new SourceRow(planner.EmbeddingRow(s), [], Embed: true)).ToList()
                    : planner.ContextWindows(d.Sentences).Select(w => new SourceRow(w.Ids, [], Pools: w.Spans)).ToList()
            )
            .ToList();
        var outputs = RunAll([.. rows.SelectMany(r => r)], batching ?? new BatchingOptions(), cancellationToken);
        var next = 0;
        var embedded = new List<EmbeddedSentences>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var vectors = new List<float[]>(documents[i].Sentences.Count);
            foreach (var output in outputs.AsSpan(next, rows[i].Count))
                vectors.AddRange(kind == SentenceVectors.Alone ? [output.Embedding!] : output.Pooled!);
            next += rows[i].Count;
            embedded.Add(new([.. documents[i].Sentences.Select(s => s.Span.Of(documents[i].Text))], vectors));
        }
        return embedded;
    }

    RowOutput[] RunAll(IReadOnlyList<SourceRow> rows, BatchingOptions batching, CancellationToken cancellationToken)
    {
        var outputs = new RowOutput[rows.Count];
        foreach (
            var batch in BatchPlanner.Plan(
                rows.Select(r => r.Tokens).ToList(),
                batching.TokenBudget,
                batching.MaxBatchSize
            )
        )
        {
            cancellationToken.ThrowIfCancellationRequested();
            var results = RunRows(batch.Select(i => rows[i]).ToList(), cancellationToken);
            for (var i = 0; i < batch.Length; i++)
                outputs[batch[i]] = results[i];
        }
        return outputs;
    }

    /// <summary>One batch of single-row documents, as given (no reordering or splitting): one encoder pass, then each
    /// requested head on the row's first tokens.</summary>
    public IReadOnlyList<DocumentResult> Run(
        IReadOnlyList<EncodedDocument> batch,
        CancellationToken cancellationToken = default
    )
    {
        var outputs = RunRows(
            batch.Select(d => new SourceRow(d.InputIds, d.Request.Tasks)).ToList(),
            cancellationToken
        );
        return batch
            .Select(
                (d, i) =>
                    new DocumentResult(
                        d.Request.Id,
                        d.Request.Tasks.Select(task =>
                                task switch
                                {
                                    TaskNames.Sentiment => SentimentPrediction(
                                        d.Request.Id,
                                        outputs[i].SentimentLogits!
                                    ) with
                                    {
                                        Truncated = d.Truncated,
                                        Windows = 1,
                                    },
                                    TaskNames.Summarize => new TaskPrediction(d.Request.Id, task)
                                    {
                                        Summary = outputs[i].Generated[task],
                                        Truncated = d.Truncated,
                                    },
                                    _ => new TaskPrediction(d.Request.Id, task)
                                    {
                                        Translation = outputs[i].Generated[task],
                                        Truncated = d.Truncated,
                                        Segments = 1,
                                    },
                                }
                            )
                            .ToList()
                    )
            )
            .ToList();
    }

    TaskPrediction SentimentPrediction(string id, float[] logits)
    {
        var (label, score) = SentimentScorer.Score(logits, SentimentLabels);
        return new TaskPrediction(id, TaskNames.Sentiment) { Label = label, Score = score };
    }

    /// <summary>One batch of rows, as given: one encoder pass, then each head that some row asked for, on those
    /// rows.</summary>
    public IReadOnlyList<RowOutput> RunRows(
        IReadOnlyList<SourceRow> batch,
        CancellationToken cancellationToken = default
    )
    {
        if (batch.Count == 0)
            return [];
        var wants = (string task) =>
            batch.Select((d, i) => (d, i)).Where(p => p.d.Tasks.Contains(task)).Select(p => p.i).ToArray();
        var generative = Tasks
            .Where(t => t != TaskNames.Sentiment)
            .Select(t => (Task: t, Rows: wants(t)))
            .Where(p => p.Rows.Length > 0)
            .ToList();
        var sentimentRows = wants(TaskNames.Sentiment);
        var embedRows = batch.Select((d, i) => (d, i)).Where(p => p.d.Embed).Select(p => p.i).ToArray();
        var poolRows = batch
            .Select((d, i) => (d, i))
            .Where(p => p.d.Pools is { Count: > 0 })
            .Select(p => p.i)
            .ToArray();
        using var encoded = EncoderBatch.Run(
            Bundle.Encoder,
            batch.Select(d => d.InputIds).ToList(),
            Bundle.Tokenizer.PadId,
            hidden: generative.Count > 0 || embedRows.Length > 0 || poolRows.Length > 0,
            sentiment: sentimentRows.Length > 0,
            Bundle.EncoderChunkPositions
        );

        var outputs = batch.Select(_ => new RowOutput()).ToArray();
        if (sentimentRows.Length > 0)
        {
            var labels = SentimentLabels;
            var logits = encoded.SentimentLogits!;
            if (logits.Length != batch.Count * labels.Count)
                throw new InvalidDataException(
                    $"{Bundle.Encoder.Path}: sentiment_logits has {logits.Length / batch.Count} columns but the "
                        + $"manifest has {labels.Count} labels"
                );
            foreach (var row in sentimentRows)
                outputs[row].SentimentLogits = logits.AsSpan(row * labels.Count, labels.Count).ToArray();
        }
        foreach (var row in embedRows)
            outputs[row].Embedding = encoded.MeanPooled(row);
        foreach (var row in poolRows)
            outputs[row].Pooled = [.. batch[row].Pools!.Select(span => encoded.MeanPooled(row, span))];
        foreach (var (task, rows) in generative)
        {
            var head = Bundle.Decoder(task);
            var ids = HeadGenerator.Generate(head, encoded, rows, cancellationToken);
            for (var i = 0; i < rows.Length; i++)
                outputs[rows[i]].Generated[task] = head.Vocabulary.Decode(ids[i]);
        }
        return outputs;
    }

    public void Dispose() => Bundle.Dispose();
}
