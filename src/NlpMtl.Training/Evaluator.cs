using NlpMtl.Core;
using NlpMtl.Core.Generation;
using NlpMtl.Core.Metrics;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Training;

/// <summary>
/// Validation metrics in TorchSharp: sentiment accuracy and macro-F1, summarization ROUGE-1/2/L (and the ROUGE-1 of
/// the sentence classifier's pick where the summarizer has one), translation sacreBLEU, and a combined score (the
/// mean of accuracy, ROUGE-1 and BLEU over the tasks present, all 0–100) used for early stopping and best-checkpoint
/// selection.
/// </summary>
public static class Evaluator
{
    /// <param name="numBeams">Beams for generation; null: each head's configured beam count.</param>
    public static Dictionary<string, double> Evaluate(
        MultiTaskModel model,
        IReadOnlyDictionary<string, TaskData> data,
        int? maxExamples,
        int? numBeams,
        int batchSize
    )
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            var metrics = new Dictionary<string, double>();
            var primary = new List<double>();
            foreach (var (task, taskData) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (task == TaskNames.Sentiment && taskData.SentimentValidation.Count > 0)
                {
                    var examples = TrainingSetup.AtMost(taskData.SentimentValidation, maxExamples);
                    var predicted = TorchPredictor
                        .Classify(model, taskData.SourceTokenizer, examples.Select(e => e.Text).ToList(), batchSize)
                        .Select(p => p.Label)
                        .ToList();
                    var gold = examples.Select(e => e.Label).ToList();
                    metrics[$"{task}/accuracy"] = 100 * ClassificationMetrics.Accuracy(gold, predicted);
                    metrics[$"{task}/macro_f1"] = 100 * ClassificationMetrics.MacroF1(gold, predicted);
                    primary.Add(metrics[$"{task}/accuracy"]);
                }
                else if (taskData.Seq2SeqValidation.Count > 0)
                {
                    var examples = TrainingSetup.AtMost(taskData.Seq2SeqValidation, maxExamples);
                    var head = model.Config.Decoder(task);
                    var options = new GenerationSettings
                    {
                        MaxNewTokens = head.MaxTargetLength,
                        NumBeams = numBeams ?? head.NumBeams,
                        LengthPenalty = head.LengthPenalty,
                        NoRepeatNgramSize = head.NoRepeatNgramSize,
                    };
                    var outputs = TorchPredictor.Generate(
                        model,
                        task,
                        taskData.SourceTokenizer,
                        taskData.Vocabulary!,
                        examples.Select(e => e.Source).ToList(),
                        options,
                        batchSize
                    );
                    var references = examples.Select(e => e.Targets).ToList();
                    if (task == TaskNames.Summarize)
                    {
                        var rouge = Rouge.Corpus(outputs, references);
                        (metrics[$"{task}/rouge1"], metrics[$"{task}/rouge2"], metrics[$"{task}/rougeL"]) = (
                            rouge.Rouge1,
                            rouge.Rouge2,
                            rouge.RougeL
                        );
                        primary.Add(rouge.Rouge1);
                        // What a bundle's Ranked style serves: the sentence classifier's pick, outside the combined
                        // score (the generated text stays the head's measure for picking checkpoints).
                        if (head.SentenceSalienceWeight > 0)
                            metrics[$"{task}/ranked_rouge1"] = Rouge
                                .Corpus(
                                    TorchPredictor.TopSentences(
                                        model,
                                        task,
                                        taskData.SourceTokenizer,
                                        examples.Select(e => e.Source).ToList(),
                                        batchSize
                                    ),
                                    references
                                )
                                .Rouge1;
                    }
                    else
                    {
                        metrics[$"{task}/bleu"] = SacreBleu.CorpusFromReferenceLists(outputs, references).Score;
                        primary.Add(metrics[$"{task}/bleu"]);
                    }
                }
            }
            if (primary.Count > 0)
                metrics["combined"] = primary.Average();
            return metrics;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
