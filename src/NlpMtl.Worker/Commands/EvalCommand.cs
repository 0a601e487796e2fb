using System.CommandLine;
using System.Text.Json;
using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;
using NlpMtl.Inference;
using NlpMtl.Inference.Batching;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl eval --bundle DIR --task T --data FILE</c>: the bundle's predictions scored against references, as JSON on
/// stdout (nothing else goes there): sentiment accuracy and macro-F1, summarize ROUGE-1/2/L, translate sacreBLEU, each
/// 0–100 as during training. Data formats are the training ones (DatasetReader); aligned plain-text translation files
/// take <c>--target</c>.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var arguments = new InferenceArguments();
        var task = InferenceArguments.TaskOption();
        var data = new Option<FileInfo>("--data") { Description = "Labelled data (SST-2 TSV or JSONL; seq2seq JSONL or plain-text source)", Required = true };
        var target = new Option<FileInfo?>("--target") { Description = "Aligned plain-text references for a plain-text --data" };
        var maxExamples = new Option<int?>("--max-examples") { Description = "Score only the first N examples" };
        var command = new Command("eval", "Score a model bundle on labelled data; metrics as JSON on stdout") { task, data, target, maxExamples };
        arguments.AddTo(command);
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(token =>
        {
            var name = parse.GetValue(task)!;
            var path = parse.GetValue(data)!.FullName;
            var limit = parse.GetValue(maxExamples) ?? int.MaxValue;
            // Data is read before the bundle loads, so a bad file fails with its one-line reason and nothing else.
            var sentiment = name == "sentiment" ? DatasetReader.ReadSentiment(path).Take(limit).ToList() : null;
            var seq2seq = name == "sentiment" ? null : DatasetReader.ReadSeq2Seq(path, parse.GetValue(target)?.FullName).Take(limit).ToList();
            using var engine = arguments.Load(parse, name);
            var metrics = new Dictionary<string, object> { ["task"] = name, ["bundle"] = engine.Bundle.Directory, ["graphs"] = engine.Bundle.Int8 ? "int8" : "fp32" };
            if (sentiment is { } examples)
            {
                var predicted = Predict(engine, name, path, examples.Select(e => e.Text), arguments.Batching(parse), token).Select(p => p.Label!).ToList();
                var names = engine.Bundle.Manifest.Sentiment?.LabelNames; // gold labels may be raw ("1") where the head says "positive"
                var gold = examples.Select(e => LabelNames.Name(names, e.Label)).ToList();
                (metrics["examples"], metrics["accuracy"], metrics["macro_f1"]) =
                    (examples.Count, 100 * ClassificationMetrics.Accuracy(gold, predicted), 100 * ClassificationMetrics.MacroF1(gold, predicted));
            }
            else
            {
                var pairs = seq2seq!;
                var outputs = Predict(engine, name, path, pairs.Select(e => e.Source), arguments.Batching(parse), token)
                    .Select(p => (p.Summary ?? p.Translation)!).ToList();
                var references = pairs.Select(e => e.Targets).ToList();
                metrics["examples"] = pairs.Count;
                if (name == "summarize")
                {
                    var rouge = Rouge.Corpus(outputs, references);
                    (metrics["rouge1"], metrics["rouge2"], metrics["rougeL"]) = (rouge.Rouge1, rouge.Rouge2, rouge.RougeL);
                }
                else
                {
                    metrics["bleu"] = SacreBleu.CorpusFromReferenceLists(outputs, references).Score;
                }
            }
            Console.WriteLine(JsonSerializer.Serialize(metrics));
            return Task.CompletedTask;
        }, cancellationToken));
        return command;
    }

    static List<TaskPrediction> Predict(InferenceEngine engine, string task, string data, IEnumerable<string> texts, BatchingOptions batching,
        CancellationToken token)
    {
        var requests = texts.Select((text, i) => new DocumentRequest($"{i + 1}", text, [task])).ToList();
        if (requests.Count == 0) throw new InvalidDataException($"{data}: no examples to evaluate");
        return engine.Predict(requests, batching, token).Select(r => r.Predictions[0]).ToList();
    }
}
