using System.Text;
using NlpMtl.Core;
using NlpMtl.Core.Data;
using NlpMtl.Core.Text;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Inference.Documents;

/// <summary>
/// One document's rows and how their outputs go back together. <see cref="Rows"/> run first (translation pieces,
/// sentiment windows, the summarizer's source or the sentences to score); when the summarizer must choose sentences
/// by their vectors, <see cref="SecondStage"/> gives its source row once those vectors are known. Any engine or
/// batcher may run the rows, in any batches; <see cref="Assemble"/> puts the answers together in the requested order.
/// </summary>
public sealed class DocumentPlan
{
    readonly DocumentPlanner planner;
    readonly string text;
    readonly List<Sentence> sentences;
    readonly List<SourceRow> rows = [];
    readonly Dictionary<int[], int> rowIndex = new(RowIdsComparer.Instance);
    readonly List<int[]> translatePieces = []; // per sentence: its pieces' rows
    readonly List<int> windowRows = [],
        windowTokens = [];
    bool sentimentCut,
        summaryCut; // the head's answer ignores part of what was kept (FirstWindow, Lead)
    int summaryRow = -1;
    int[] selected = [];

    // Per kind of sentence vector a scorer reads: for each sentence, the row and pooled span (-1: the row's
    // embedding) it is read from; row -1 for a sentence without tokens.
    readonly Dictionary<SentenceVectors, (int Row, int Pool)[]> vectorSources = [];
    bool selectLater; // the summarizer's source waits for the sentence vectors (SecondStage)
    (ISalienceScorer Scorer, double[] Scores)? lastScored; // the ranker both selects and picks: score once

    internal DocumentPlan(
        DocumentPlanner planner,
        DocumentRequest request,
        string text,
        List<Sentence> sentences,
        bool truncated
    )
    {
        (this.planner, Request, this.text, this.sentences, Truncated) = (planner, request, text, sentences, truncated);
        foreach (var task in request.Tasks.Distinct())
        {
            switch (task)
            {
                case TaskNames.Sentiment:
                    PlanSentiment();
                    break;
                case TaskNames.Translate:
                    PlanTranslation();
                    break;
                case TaskNames.Summarize:
                    PlanSummary();
                    break;
                default:
                    throw new ArgumentException($"document '{request.Id}': unknown task '{task}'");
            }
        }
    }

    public DocumentRequest Request { get; }

    /// <summary>Whether the document was cut by the hard cap
    /// (<see cref="InferenceOptions.MaxDocumentTokens"/>).</summary>
    public bool Truncated { get; }

    /// <summary>The rows to run first; identical rows of this document appear once, with every use.</summary>
    public IReadOnlyList<SourceRow> Rows => rows;

    int Add(int[] ids, string? task, bool embed = false) => Add(ids, task, embed, null).Row;

    /// <returns>The row, and where <paramref name="pools"/> start among its pooled spans.</returns>
    (int Row, int FirstPool) Add(int[] ids, string? task, bool embed, Range[]? pools)
    {
        if (rowIndex.TryGetValue(ids, out var index))
        {
            var row = rows[index];
            rows[index] = row with
            {
                Tasks = task is null || row.Tasks.Contains(task) ? row.Tasks : [.. row.Tasks, task],
                Embed = row.Embed || embed,
                Pools = pools is null ? row.Pools : [.. row.Pools ?? [], .. pools],
            };
            return (index, row.Pools?.Count ?? 0);
        }
        rows.Add(new SourceRow(ids, task is null ? [] : [task], embed, pools));
        rowIndex.Add(ids, rows.Count - 1);
        return (rows.Count - 1, 0);
    }

    void PlanSentiment()
    {
        var ids = sentences.SelectMany(s => s.Ids).ToArray();
        var windows = TokenWindows.Of(
            ids.Length,
            planner.Limit(TaskNames.Sentiment) - 2,
            planner.Options.SentimentWindowOverlap
        );
        if (planner.Options.SentimentAggregation == SentimentAggregation.FirstWindow && windows.Count > 1)
            (windows, sentimentCut) = ([windows[0]], true);
        foreach (var window in windows)
        {
            windowRows.Add(Add(planner.Row(ids[window]), TaskNames.Sentiment));
            windowTokens.Add(window.End.Value - window.Start.Value);
        }
    }

    void PlanTranslation()
    {
        var length = planner.Limit(TaskNames.Translate) - 2;
        foreach (var sentence in sentences)
            translatePieces.Add(
                sentence.Ids.Length == 0
                    ? []
                    :
                    [
                        .. planner
                            .Pieces(sentence.Ids, length)
                            .Select(piece => Add(planner.Row(sentence.Ids[piece]), TaskNames.Translate)),
                    ]
            );
    }

    void PlanSummary()
    {
        if (planner.Options.SummaryStyle == SummaryStyle.Ranked)
        {
            // No summarizer row: the ranker reads every sentence and picks one.
            ReadVectors(planner.Ranker!.Vectors);
            selected = [.. Enumerable.Range(0, sentences.Count).Where(i => sentences[i].Ids.Length > 0)];
            return;
        }
        PlanSummarizerSource();
        if (RanksSummary)
            ReadVectors(planner.Ranker!.Vectors);
    }

    /// <summary>The extractive summary weighs the bundle's learned ranker beside the generated text.</summary>
    bool RanksSummary => planner.Ranker is not null && planner.Options.SummaryStyle == SummaryStyle.Extractive;

    /// <summary>Adds the rows that give every sentence with tokens a vector of <paramref name="kind"/>, once per
    /// kind: a row per sentence alone (<see cref="DocumentPlanner.EmbeddingRow"/>), or the context windows
    /// (<see cref="DocumentPlanner.ContextWindows"/>), which for a document that fits one window is the summarizer's
    /// own source row.</summary>
    void ReadVectors(SentenceVectors kind)
    {
        if (kind == SentenceVectors.None || vectorSources.ContainsKey(kind))
            return;
        var sources = new (int Row, int Pool)[sentences.Count];
        Array.Fill(sources, (-1, -1));
        var withTokens = Enumerable.Range(0, sentences.Count).Where(i => sentences[i].Ids.Length > 0).ToList();
        if (kind == SentenceVectors.Alone)
            foreach (var i in withTokens)
                sources[i] = (Add(planner.EmbeddingRow(sentences[i]), null, embed: true), -1);
        else
        {
            var next = 0;
            foreach (var window in planner.ContextWindows([.. withTokens.Select(i => sentences[i])]))
            {
                var (row, firstPool) = Add(window.Ids, null, false, window.Spans);
                for (var k = 0; k < window.Spans.Length; k++)
                    sources[withTokens[next++]] = (row, firstPool + k);
            }
        }
        vectorSources[kind] = sources;
    }

    void PlanSummarizerSource()
    {
        var budget = planner.Limit(TaskNames.Summarize) - 2;
        var lengths = sentences.Select(s => s.Ids.Length).ToList();
        var withTokens = Enumerable.Range(0, sentences.Count).Where(i => lengths[i] > 0).ToArray();
        if (
            lengths.Sum() <= budget
            || withTokens.Length <= 1
            || planner.Options.SummarySelection == SummarySelection.Lead
        )
        {
            var ids = sentences.SelectMany(s => s.Ids).Take(budget).ToArray();
            summaryCut = lengths.Sum() > budget;
            var covered = 0;
            selected = [.. withTokens.TakeWhile(i => (covered += lengths[i]) - lengths[i] < ids.Length)];
            summaryRow = Add(planner.Row(ids), TaskNames.Summarize);
        }
        else if (planner.Salience.Vectors == SentenceVectors.None)
        {
            selected = SummarySelector.Select(
                lengths,
                planner.Salience.Score(SentenceTexts(), null),
                budget,
                FirstSentence
            );
            summaryRow = Add(SelectedRow(budget), TaskNames.Summarize);
        }
        else
        {
            // Scored in SecondStage, once the vectors are known.
            ReadVectors(planner.Salience.Vectors);
            selectLater = true;
        }
    }

    bool FirstSentence => planner.Options.SummarySelection == SummarySelection.FirstThenSalience;

    List<string> SentenceTexts() => sentences.Select(s => s.Span.Of(text)).ToList();

    /// <summary>The selected sentences' ids up to the budget; a selected sentence longer than the budget on its own is
    /// cut (and the summary's line flagged).</summary>
    int[] SelectedRow(int budget)
    {
        summaryCut = selected.Sum(i => sentences[i].Ids.Length) > budget;
        return planner.Row(selected.SelectMany(i => sentences[i].Ids).Take(budget));
    }

    /// <summary>The summarizer's source once the first rows' vectors are known; null when it needs none (already in
    /// <see cref="Rows"/>, or no summary was asked for).</summary>
    public SourceRow? SecondStage(IReadOnlyList<RowOutput> first)
    {
        if (!selectLater)
            return null;
        var scores = Scores(planner.Salience, first);
        var budget = planner.Limit(TaskNames.Summarize) - 2;
        selected = SummarySelector.Select(sentences.Select(s => s.Ids.Length).ToList(), scores, budget, FirstSentence);
        return new SourceRow(SelectedRow(budget), [TaskNames.Summarize]);
    }

    /// <summary>Every sentence's score under <paramref name="scorer"/> from its vector (−∞ for a sentence without
    /// tokens).</summary>
    double[] Scores(ISalienceScorer scorer, IReadOnlyList<RowOutput> first)
    {
        if (lastScored is { } last && ReferenceEquals(last.Scorer, scorer))
            return last.Scores;
        var sources = vectorSources.GetValueOrDefault(scorer.Vectors)
            ?? throw new InvalidOperationException($"no {scorer.Vectors} sentence vectors were planned");
        var scored = Enumerable.Range(0, sentences.Count).Where(i => sources[i].Row >= 0).ToList();
        var vectors = scored.Select(i => VectorOf(first[sources[i].Row], sources[i].Pool)).ToList();
        var partial = scorer.Score(scored.Select(i => sentences[i].Span.Of(text)).ToList(), vectors);
        var scores = new double[sentences.Count];
        Array.Fill(scores, double.NegativeInfinity);
        for (var k = 0; k < scored.Count; k++)
            scores[scored[k]] = partial[k];
        lastScored = (scorer, scores);
        return scores;
    }

    static float[] VectorOf(RowOutput output, int pool) =>
        (pool < 0 ? output.Embedding : output.Pooled?[pool])
        ?? throw new InvalidOperationException("a sentence's vector was not computed");

    /// <summary>One prediction per requested task, in the requested order.</summary>
    /// <param name="first">The outputs of <see cref="Rows"/>, in order.</param>
    /// <param name="second">The output of <see cref="SecondStage"/>'s row, when there was one.</param>
    public DocumentResult Assemble(IReadOnlyList<RowOutput> first, RowOutput? second)
    {
        if (first.Count != rows.Count)
            throw new ArgumentException($"expected {rows.Count} row outputs, got {first.Count}", nameof(first));
        var id = Request.Id;
        var predictions = Request
            .Tasks.Select(task =>
                task switch
                {
                    TaskNames.Sentiment => Sentiment(id, first, planner.SentimentLabels),
                    TaskNames.Translate => Translation(id, first),
                    _ => Summary(
                        id,
                        first,
                        summaryRow >= 0 ? first[summaryRow]
                            : selectLater ? second ?? throw new ArgumentNullException(nameof(second))
                            : null
                    ),
                }
            )
            .ToList();
        return new DocumentResult(id, predictions);
    }

    /// <summary>By <see cref="SummaryStyle"/>: the generated summary; or the read sentence closest to it, weighed
    /// with the bundle's ranker when it has one (<see cref="ExtractiveSummary"/>); or the ranker's top
    /// sentence.</summary>
    /// <param name="output">The summarizer's row output; null under <see cref="SummaryStyle.Ranked"/>.</param>
    TaskPrediction Summary(string id, IReadOnlyList<RowOutput> first, RowOutput? output)
    {
        var generated = output?.Generated[TaskNames.Summarize] ?? "";
        var candidates = selected.Select(i => sentences[i].Span.Of(text)).ToList();
        var ranks =
            planner.Ranker is { } ranker && planner.Options.SummaryStyle != SummaryStyle.Abstractive
                ? Scores(ranker, first)
                : null;
        var rankOfCandidates = ranks is null ? null : selected.Select(i => ranks[i]).ToList();
        int? pick = planner.Options.SummaryStyle switch
        {
            SummaryStyle.Abstractive => null,
            SummaryStyle.Ranked => candidates.Count == 0 ? null : SalienceFit.Best(rankOfCandidates!),
            _ => ExtractiveSummary.Closest(generated, candidates, rankOfCandidates),
        };
        int? extracted = pick is { } k ? selected[k] : null;
        return new TaskPrediction(id, TaskNames.Summarize)
        {
            Summary = extracted is { } e
                ? ExtractiveSummary.AsSummary(sentences[e].Span.Of(text), planner.Options.TrimSummaryOpening)
                : generated,
            Truncated = Truncated || summaryCut,
            Sentences = sentences.Count,
            Selected = selected,
            Extracted = extracted,
        };
    }

    TaskPrediction Sentiment(string id, IReadOnlyList<RowOutput> first, IReadOnlyList<string> labels)
    {
        var logits = windowRows
            .Select(r =>
                first[r].SentimentLogits ?? throw new InvalidOperationException("a window's sentiment was not computed")
            )
            .ToList();
        var (label, score) = SentimentAggregator.Aggregate(
            logits,
            windowTokens,
            labels,
            planner.Options.SentimentAggregation
        );
        return new TaskPrediction(id, TaskNames.Sentiment)
        {
            Label = label,
            Score = score,
            Truncated = Truncated || sentimentCut,
            Windows = windowRows.Count,
        };
    }

    /// <summary>The translation line: each sentence's pieces joined once, then, sentence by sentence, its numbers
    /// checked against the source's and, unless <see cref="InferenceOptions.RestoreNumbers"/> is off, the source's put
    /// back in place of the ones the model wrote instead. Sentence by sentence, so a number elsewhere in the document
    /// cannot stand in for one a sentence's translation lost; the text between sentences is copied, so it has none to
    /// lose.</summary>
    TaskPrediction Translation(string id, IReadOnlyList<RowOutput> first)
    {
        var restore = planner.Options.RestoreNumbers;
        var checkedSentences = translatePieces
            .Select(
                (pieces, i) =>
                {
                    var translated = string.Join(
                        ' ',
                        pieces.Select(r => first[r].Generated[TaskNames.Translate]).Where(t => t.Length > 0)
                    );
                    var source = sentences[i].Span.Of(text);
                    return restore
                        ? NumberCheck.Restore(source, translated, planner.Numbers)
                        : new NumberRestoration(translated, [], NumberCheck.Missing(source, translated));
                }
            )
            .ToList();
        return new TaskPrediction(id, TaskNames.Translate)
        {
            Translation = Translation([.. checkedSentences.Select(s => s.Text)]),
            Truncated = Truncated,
            Segments = translatePieces.Sum(p => p.Length),
            NumbersMissing = [.. checkedSentences.SelectMany(s => s.Missing)],
            NumbersRestored = restore ? [.. checkedSentences.SelectMany(s => s.Restored)] : null,
        };
    }

    /// <summary>The text with each sentence replaced by its translation (<paramref name="translated"/>, one per
    /// sentence): whatever lies between sentences (spaces, line breaks, blank lines) is kept as it was; after a cut,
    /// nothing follows the last translated sentence.</summary>
    string Translation(IReadOnlyList<string> translated)
    {
        if (sentences.Count == 0)
            return text;
        var output = new StringBuilder(text, 0, sentences[0].Span.Start, text.Length);
        for (var i = 0; i < sentences.Count; i++)
        {
            output.Append(translated[i]);
            var next =
                i + 1 < sentences.Count ? sentences[i + 1].Span.Start
                : Truncated ? sentences[i].Span.End
                : text.Length;
            output.Append(text, sentences[i].Span.End, next - sentences[i].Span.End);
        }
        return output.ToString();
    }
}
