using System.CommandLine;
using System.Text.Json;
using NlpMtl.Core;
using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;
using NlpMtl.Core.Text;
using NlpMtl.Inference;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Worker.Commands;

/// <summary> <c>nlpmtl eval --bundle DIR --task T --data FILE</c>: the bundle's predictions scored against references,
/// as JSON on stdout (nothing else goes there): sentiment accuracy and macro-F1, summarize ROUGE-1/2/L, translate
/// sacreBLEU, each 0–100 as during training (summaries also with how much of them their source supports), plus what was
/// read (documents truncated by the cap, windows, segments, sentences selected). Data formats are the training ones
/// (DatasetReader): examples are whole documents (IMDB reviews, paragraph files, long abstracts) as much as sentences.
/// Aligned plain-text translation files take <c>--target</c>; <c>--paragraphs MIN-MAX</c> joins consecutive aligned
/// lines into paragraphs and also scores translating each line alone. </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var arguments = new InferenceArguments();
        var task = InferenceArguments.TaskOption();
        var data = new Option<FileInfo>("--data")
        {
            Description = "Labelled data (SST-2/IMDB TSV or JSONL; seq2seq JSONL or plain-text source)",
            Required = true,
        };
        var target = new Option<FileInfo?>("--target")
        {
            Description = "Aligned plain-text references for a plain-text --data",
        };
        var maxExamples = new Option<int?>("--max-examples")
        {
            Description = "Score only the first N examples (before --paragraphs joins them)",
        };
        var paragraphs = new Option<string?>("--paragraphs")
        {
            Description =
                "MIN-MAX: join MIN to MAX consecutive examples (sizes drawn with a fixed seed) into one paragraph "
                + "each, sources and references "
                + "with a space; also reports the score of predicting each example alone and joining the outputs "
                + "(\"bleu_one_by_one\", \"ratio\")",
        };
        var command = new Command("eval", "Score a model bundle on labelled data; metrics as JSON on stdout")
        {
            task,
            data,
            target,
            maxExamples,
            paragraphs,
        };
        arguments.AddTo(command);
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        var name = parse.GetValue(task)!;
                        var path = parse.GetValue(data)!.FullName;
                        var limit = parse.GetValue(maxExamples) ?? int.MaxValue;
                        var sizes = parse.GetValue(paragraphs) is { } range ? ParseRange(range) : ((int, int)?)null;
                        if (sizes is not null && name == TaskNames.Sentiment)
                            throw new ArgumentException("--paragraphs applies to summarize and translate");
                        // Data is read before the bundle loads, so a bad file fails with its one-line reason and
                        // nothing else.
                        var sentiment =
                            name == TaskNames.Sentiment ? DatasetReader.ReadSentiment(path).Take(limit).ToList() : null;
                        var seq2seq =
                            name == TaskNames.Sentiment
                                ? null
                                : DatasetReader
                                    .ReadSeq2Seq(path, parse.GetValue(target)?.FullName)
                                    .Take(limit)
                                    .ToList();
                        using var engine = arguments.Load(parse, name);
                        var metrics = new Dictionary<string, object>
                        {
                            ["task"] = name,
                            ["bundle"] = engine.Bundle.Directory,
                            ["graphs"] = engine.Bundle.Int8 ? "int8" : "fp32",
                        };
                        var batching = arguments.Batching(parse);
                        if (sentiment is { } examples)
                        {
                            var predictions = Predict(
                                engine,
                                name,
                                path,
                                examples.Select(e => e.Text),
                                batching,
                                token
                            );
                            var predicted = predictions.Select(p => p.Label!).ToList();
                            // gold labels may be raw ("1") where the head says "positive"
                            var names = engine.Bundle.Manifest.Sentiment?.LabelNames;
                            var gold = examples.Select(e => LabelNames.Name(names, e.Label)).ToList();
                            (metrics["examples"], metrics["accuracy"], metrics["macro_f1"]) = (
                                examples.Count,
                                100 * ClassificationMetrics.Accuracy(gold, predicted),
                                100 * ClassificationMetrics.MacroF1(gold, predicted)
                            );
                            Describe(metrics, predictions);
                        }
                        else
                        {
                            var pairs = seq2seq!;
                            var groups = sizes is { } s ? Paragraphs(pairs.Count, s.Item1, s.Item2) : null;
                            var scored = groups is null
                                ? pairs
                                : groups
                                    .Select(g => new Seq2SeqExample(
                                        string.Join(' ', g.Select(i => pairs[i].Source)),
                                        Enumerable
                                            .Range(0, pairs[g[0]].Targets.Count)
                                            .Select(r =>
                                                string.Join(
                                                    ' ',
                                                    g.Select(i =>
                                                        pairs[i].Targets.ElementAtOrDefault(r) ?? pairs[i].Targets[0]
                                                    )
                                                )
                                            )
                                            .ToList()
                                    ))
                                    .ToList();
                            var predictions = Predict(
                                engine,
                                name,
                                path,
                                scored.Select(e => e.Source),
                                batching,
                                token
                            );
                            var outputs = predictions.Select(p => (p.Summary ?? p.Translation)!).ToList();
                            var references = scored.Select(e => e.Targets).ToList();
                            metrics["examples"] = scored.Count;
                            var score = Score(name, outputs, references, metrics, "");
                            if (groups is not null)
                            {
                                metrics["paragraphs"] =
                                    $"{sizes!.Value.Item1}-{sizes.Value.Item2} examples each, {pairs.Count} examples";
                                var alone = Predict(engine, name, path, pairs.Select(e => e.Source), batching, token)
                                    .Select(p => (p.Summary ?? p.Translation)!)
                                    .ToList();
                                var joined = groups.Select(g => string.Join(' ', g.Select(i => alone[i]))).ToList();
                                metrics["ratio"] =
                                    score / Math.Max(1e-9, Score(name, joined, references, metrics, "_one_by_one"));
                            }
                            Describe(metrics, predictions);
                            if (name == TaskNames.Translate)
                                NumbersCarried(metrics, predictions, scored);
                            if (name == TaskNames.Summarize)
                                Support(metrics, outputs, scored);
                            if (name == TaskNames.Summarize && groups is null)
                            {
                                OracleRead(metrics, scored, predictions, engine);
                                if (OracleSentenceMatch.Percent(scored, predictions) is { } match)
                                    metrics["oracle_sentence_extracted"] = match;
                            }
                        }
                        Console.WriteLine(JsonSerializer.Serialize(metrics));
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }

    /// <returns>The headline score (BLEU, or ROUGE-1), also written to <paramref name="metrics"/> with
    /// <paramref name="suffix"/>.</returns>
    static double Score(
        string task,
        List<string> outputs,
        List<IReadOnlyList<string>> references,
        Dictionary<string, object> metrics,
        string suffix
    )
    {
        if (task == TaskNames.Summarize)
        {
            var rouge = Rouge.Corpus(outputs, references);
            (metrics["rouge1" + suffix], metrics["rouge2" + suffix], metrics["rougeL" + suffix]) = (
                rouge.Rouge1,
                rouge.Rouge2,
                rouge.RougeL
            );
            return rouge.Rouge1;
        }
        var bleu = SacreBleu.CorpusFromReferenceLists(outputs, references);
        metrics["bleu" + suffix] = bleu.Score;
        // BLEU folds its brevity penalty into one score; the ratio says whether translations run short or long.
        metrics["length_ratio" + suffix] = (double)bleu.HypothesisLength / Math.Max(1, bleu.ReferenceLength);
        return bleu.Score;
    }

    /// <summary> Faithfulness, measured cheaply (<see cref="SourceSupport"/>): the summaries' words found in their
    /// source and their novel bigrams, beside the same for the first references (how abstractive the human summaries
    /// are). </summary>
    static void Support(Dictionary<string, object> metrics, List<string> outputs, List<Seq2SeqExample> examples)
    {
        var sources = examples.Select(e => e.Source).ToList();
        (metrics["words_in_source"], metrics["novel_bigrams"]) = SourceSupport.Corpus(outputs, sources);
        (metrics["reference_words_in_source"], metrics["reference_novel_bigrams"]) = SourceSupport.Corpus(
            examples.Select(e => e.Targets[0]).ToList(),
            sources
        );
    }

    /// <summary> Numbers a translation lost (<see cref="NumberCheck"/>): the sources' numbers; the share of them the
    /// translations' <c>numbers_missing</c> list; the share put back in place of a number the model wrote instead
    /// (<c>numbers_restored</c>, 0 when restoring is off) and the share of those the first reference has too
    /// (<c>restored_numbers_in_reference</c>: how often putting back was right); and the same check on the first
    /// references — how often a human translation writes a number otherwise (spelt out, or a time as words), the rate
    /// at which the check flags a number that was translated correctly. </summary>
    static void NumbersCarried(
        Dictionary<string, object> metrics,
        List<TaskPrediction> predictions,
        List<Seq2SeqExample> examples
    )
    {
        var sources = examples.Select(e => e.Source).ToList();
        var (numbers, referencesMissing) = NumberCheck.Corpus(sources, examples.Select(e => e.Targets[0]).ToList());
        double Share(int count) => numbers == 0 ? 0 : 100.0 * count / numbers;
        metrics["numbers"] = numbers;
        metrics["numbers_missing"] = Share(predictions.Sum(p => p.NumbersMissing?.Length ?? 0));
        var restored = predictions.Sum(p => p.NumbersRestored?.Length ?? 0);
        metrics["numbers_restored"] = Share(restored);
        // Whether a put-back number is right: the first reference has it too (0 when none was put back).
        var confirmed = predictions
            .Select(
                (p, i) =>
                    p.NumbersRestored is { Length: > 0 } put
                        ? put.Length - NumberCheck.Missing(put.Select(r => r.Number), examples[i].Targets[0]).Length
                        : 0
            )
            .Sum();
        metrics["restored_numbers_in_reference"] = restored == 0 ? 0 : 100.0 * confirmed / restored;
        metrics["reference_numbers_missing"] = referencesMissing;
    }

    /// <summary>What the heads read: documents cut by the cap, and how the others were split.</summary>
    static void Describe(Dictionary<string, object> metrics, List<TaskPrediction> predictions)
    {
        metrics["truncated"] = predictions.Count(p => p.Truncated == true);
        if (predictions.Any(p => p.Windows is not null))
            metrics["windows"] = predictions.Sum(p => p.Windows ?? 0);
        if (predictions.Any(p => p.Segments is not null))
            metrics["segments"] = predictions.Sum(p => p.Segments ?? 0);
        if (predictions.Any(p => p.Selected is not null))
        {
            metrics["sentences"] = predictions.Sum(p => p.Sentences ?? 0);
            metrics["sentences_selected"] = predictions.Sum(p => p.Selected?.Length ?? 0);
            metrics["extracted"] = predictions.Count(p => p.Extracted is not null);
        }
    }

    /// <summary> How often the summarizer read the sentences the data marks as closest to the reference (SciTLDR's
    /// <c>source_labels</c>): the share of oracle sentences inside the sentences it selected, over every document and
    /// over those longer than it reads at once. Measures the selection (salience vs the first tokens) without the
    /// decoder. A sentence counts as read only when all its tokens fit in the source length (a first-tokens cut through
    /// a sentence does not count it). </summary>
    static void OracleRead(
        Dictionary<string, object> metrics,
        List<Seq2SeqExample> examples,
        List<TaskPrediction> predictions,
        InferenceEngine engine
    )
    {
        var budget = engine.SourceLimit(TaskNames.Summarize) - 2;
        var (read, total, longRead, longTotal) = (0, 0, 0, 0);
        for (var i = 0; i < examples.Count; i++)
        {
            if (examples[i].ExtractiveOracle is not { } oracle || predictions[i].Selected is not { } selected)
                continue;
            var source = examples[i].Source;
            var sentences = SentenceSegmenter.Split(source);
            var left = budget;
            var text = string.Join(
                ' ',
                selected
                    .Where(k => k < sentences.Count)
                    .Select(k => sentences[k].Of(source))
                    .Where(sentence => (left -= engine.Bundle.Tokenizer.EncodeUntruncated(sentence).Count) >= 0)
            );
            var isLong = selected.Length < sentences.Count;
            foreach (var sentence in SentenceSegmenter.Split(oracle).Select(s => s.Of(oracle)))
            {
                var found = text.Contains(sentence, StringComparison.Ordinal) ? 1 : 0;
                (read, total) = (read + found, total + 1);
                if (isLong)
                    (longRead, longTotal) = (longRead + found, longTotal + 1);
            }
        }
        if (total == 0)
            return;
        metrics["oracle_sentences_read"] = 100.0 * read / total;
        metrics["long_documents"] = predictions.Count(p => p.Selected is { } s && s.Length < p.Sentences);
        if (longTotal > 0)
            metrics["oracle_sentences_read_long"] = 100.0 * longRead / longTotal;
    }

    /// <summary>Consecutive groups of <paramref name="min"/>–<paramref name="max"/> indices covering 0…count−1 (fixed
    /// seed).</summary>
    static List<int[]> Paragraphs(int count, int min, int max)
    {
        var random = new Random(15);
        var groups = new List<int[]>();
        for (var start = 0; start < count; )
        {
            var size = Math.Min(random.Next(min, max + 1), count - start);
            groups.Add([.. Enumerable.Range(start, size)]);
            start += size;
        }
        return groups;
    }

    static (int, int) ParseRange(string range)
    {
        var parts = range.Split('-');
        if (
            parts.Length == 2
            && int.TryParse(parts[0], out var min)
            && int.TryParse(parts[1], out var max)
            && min >= 1
            && max >= min
        )
            return (min, max);
        throw new ArgumentException($"--paragraphs must be MIN-MAX with 1 <= MIN <= MAX, was '{range}'");
    }

    static List<TaskPrediction> Predict(
        InferenceEngine engine,
        string task,
        string data,
        IEnumerable<string> texts,
        BatchingOptions batching,
        CancellationToken token
    )
    {
        var requests = texts.Select((text, i) => new DocumentRequest($"{i + 1}", text, [task])).ToList();
        if (requests.Count == 0)
            throw new InvalidDataException($"{data}: no examples to evaluate");
        return engine.Predict(requests, batching, token).Select(r => r.Predictions[0]).ToList();
    }
}
