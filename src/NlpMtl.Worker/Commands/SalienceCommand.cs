using System.CommandLine;
using System.Text.Json;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;
using NlpMtl.Inference;
using NlpMtl.Inference.Documents;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl salience --bundle DIR --data TRAIN [--validation VAL]</c>: fits the bundle's sentence ranker
/// (<see cref="LearnedSalienceScorer"/>) on documents with reference summaries, on the bundle's own encoder, and
/// writes it into the bundle (<c>salience.json</c>, manifest <c>salience</c>). Prints JSON on stdout: the fit's
/// held-out figures and, with <c>--validation</c>, the ROUGE of the top-ranked sentence beside the first sentence's,
/// the centroid-ranked sentence's and the best sentence's (the ceiling of any one-sentence pick).
/// </summary>
public static class SalienceCommand
{
    public static Command Create()
    {
        var bundle = new Option<DirectoryInfo>("--bundle")
        {
            Description = "Model bundle directory; the ranker is written into it",
            Required = true,
        };
        var data = new Option<FileInfo>("--data")
        {
            Description = "Documents with reference summaries (seq2seq JSONL, e.g. SciTLDR's train.jsonl)",
            Required = true,
        };
        var validation = new Option<FileInfo?>("--validation")
        {
            Description = "Documents with references to report the picked sentences' ROUGE on (not used to fit)",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime intra-op threads (0 = one per core)",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command(
            "salience",
            "Fit a bundle's sentence ranker on documents with reference summaries; figures as JSON on stdout"
        )
        {
            bundle,
            data,
            validation,
            threads,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        var dataPath = parse.GetValue(data)!.FullName;
                        var train = Documents(dataPath);
                        var validationPath = parse.GetValue(validation)?.FullName;
                        var held = validationPath is null ? null : Documents(validationPath);
                        var directory = BundlePointer.Resolve(parse.GetValue(bundle)!.FullName);
                        var options = new InferenceOptions { IntraOpThreads = parse.GetValue(threads) };
                        var report = new Dictionary<string, object> { ["bundle"] = directory, ["data"] = dataPath };
                        using (var engine = InferenceEngine.Load(directory, options, new StderrLogger(), tasks: []))
                        {
                            var fit = FitInto(engine, directory, dataPath, train, token);
                            if (fit is null)
                            {
                                Console.Error.WriteLine($"nlpmtl: {KeptTrainedRanker}");
                                report["kept"] = "trained_with_model";
                            }
                            else
                            {
                                (report["documents"], report["held_out_documents"], report["epoch"]) = (
                                    fit.TrainDocuments,
                                    fit.HeldOutDocuments,
                                    fit.Epoch
                                );
                                report["held_out_rouge"] = 100 * fit.HeldOutGain;
                                report["held_out_best_sentence_found"] = 100 * fit.HeldOutHit;
                                report["held_out_first_sentence_rouge"] = 100 * fit.HeldOutFirstGain;
                                report["held_out_best_sentence_rouge"] = 100 * fit.HeldOutBestGain;
                            }
                            if (held is not null)
                                Validate(engine, fit?.Scorer ?? KeptRanker(engine.Bundle), held, report, token);
                        }
                        Console.WriteLine(JsonSerializer.Serialize(report));
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }

    internal const string KeptTrainedRanker =
        "the bundle's ranker is the summarizer's sentence classifier, trained with the model: kept, not fitted "
        + "(a ranker fitted on documents the encoder was trained on overrates what it memorised)";

    /// <summary>The bundle's ranker as it is (the engine loads none for the encoder alone).</summary>
    static LearnedSalienceScorer KeptRanker(ModelBundle bundle) =>
        LearnedSalienceScorer.Load(Path.Combine(bundle.Directory, bundle.Manifest.Salience!.File));

    /// <summary>Fits the ranker on <paramref name="dataPath"/>'s documents and writes it into the bundle (what
    /// <c>export --salience-data</c> also runs); null, and the bundle left as it is, when its ranker is the
    /// summarizer's trained sentence classifier (<see cref="KeptTrainedRanker"/>).</summary>
    internal static SalienceFitResult? FitInto(string directory, string dataPath, CancellationToken token)
    {
        var train = Documents(dataPath);
        using var engine = InferenceEngine.Load(directory, new InferenceOptions(), new StderrLogger(), tasks: []);
        return FitInto(engine, directory, dataPath, train, token);
    }

    static SalienceFitResult? FitInto(
        InferenceEngine engine,
        string directory,
        string dataPath,
        List<Seq2SeqExample> train,
        CancellationToken token
    )
    {
        if (engine.Bundle.Manifest.Salience is { TrainedWithModel: true })
            return null;
        var fit = SalienceFit.Fit(Prepare(engine, train, token));
        Save(directory, fit, dataPath, train.Count);
        return fit;
    }

    static List<Seq2SeqExample> Documents(string path)
    {
        var examples = DatasetReader.ReadSeq2Seq(path).ToList();
        return examples.Count > 0 ? examples : throw new InvalidDataException($"{path}: no documents");
    }

    /// <summary>Features of every sentence and its gain: the mean of its ROUGE-1, 2 and L F1 against the references
    /// (each from its best reference).</summary>
    static List<SalienceDocument> Prepare(
        InferenceEngine engine,
        List<Seq2SeqExample> examples,
        CancellationToken token
    ) =>
        engine
            .EmbedSentences([.. examples.Select(e => e.Source)], SentenceVectors.InContext, cancellationToken: token)
            .Select(
                (document, i) =>
                    new SalienceDocument(
                        SalienceFeatures.Of(document.Sentences, document.Vectors),
                        [.. document.Sentences.Select(s => Rouge.MeanF1(s, examples[i].Targets))]
                    )
            )
            .ToList();

    /// <summary>ROUGE-1/2/L of one sentence per validation document, picked four ways.</summary>
    static void Validate(
        InferenceEngine engine,
        LearnedSalienceScorer scorer,
        List<Seq2SeqExample> examples,
        Dictionary<string, object> report,
        CancellationToken token
    )
    {
        var centroid = new CentroidSalienceScorer();
        // Each scorer reads the vectors of its kind; the sentences are the same whatever the kind.
        var read = new[] { scorer.Vectors, centroid.Vectors }
            .Distinct()
            .ToDictionary(
                kind => kind,
                kind => engine.EmbedSentences([.. examples.Select(e => e.Source)], kind, cancellationToken: token)
            );
        var sentences = read[scorer.Vectors].Select(d => d.Sentences).ToList();
        int Top(ISalienceScorer by, int i) => SalienceFit.Best(by.Score(sentences[i], read[by.Vectors][i].Vectors));
        var picks = new Dictionary<string, Func<int, int>>
        {
            ["ranked"] = i => Top(scorer, i),
            ["first_sentence"] = _ => 0,
            ["centroid"] = i => Top(centroid, i),
            ["best_sentence"] = i =>
                SalienceFit.Best([.. sentences[i].Select(s => Rouge.MeanF1(s, examples[i].Targets))]),
        };
        var references = examples.Select(e => e.Targets).ToList();
        report["validation_documents"] = examples.Count;
        foreach (var (name, pick) in picks)
        {
            var summaries = sentences
                .Select(
                    (d, i) =>
                        d.Count == 0 ? "" : ExtractiveSummary.AsSummary(d[pick(i)], engine.Options.TrimSummaryOpening)
                )
                .ToList();
            var rouge = Rouge.Corpus(summaries, references);
            report[$"validation_{name}"] = new[] { rouge.Rouge1, rouge.Rouge2, rouge.RougeL };
        }
    }

    static void Save(string directory, SalienceFitResult fit, string data, int documents) =>
        fit.Scorer.SaveInto(
            directory,
            new SalienceManifest
            {
                File = LearnedSalienceScorer.FileName,
                Data = Path.GetFileName(data),
                Documents = documents,
                HeldOutRouge = 100 * fit.HeldOutGain,
                HeldOutFirstSentenceRouge = 100 * fit.HeldOutFirstGain,
                HeldOutBestSentenceRouge = 100 * fit.HeldOutBestGain,
            }
        );
}
