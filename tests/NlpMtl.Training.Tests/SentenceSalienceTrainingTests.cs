using NlpMtl.Core;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;
using NlpMtl.Training.Reporting;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary><c>sentence_salience_weight</c>: the summarizer's documents are read sentence by sentence, the sentence
/// closest to the references is marked, and a sentence classifier on the shared encoder learns to find it.</summary>
[Collection(TorchCollection.Name)]
public class SentenceSalienceTrainingTests(PretrainedFixture fixture)
{
    const string Documents =
        "{\"source\": \"Deep networks need large labelled sets. We show that sparse attention halves memory use. The "
        + "code is public.\", \"target\": \"Sparse attention halves memory use.\"}\n"
        + "{\"source\": \"One sentence only.\", \"target\": \"One sentence.\"}\n"
        + "{\"source\": \"Models repeat themselves. A new objective stops repetition in long outputs.\", "
        + "\"target\": [\"An objective that stops repetition.\", \"Stop repetition.\"]}\n";

    TaskData Load(double weight, int maxSourceLength = 64)
    {
        var root = fixture.NewDirectory("sentences");
        var train = Path.Combine(root, "train.jsonl");
        File.WriteAllText(train, Documents);
        return TinyRun.LoadTask(
            root,
            TaskNames.Summarize,
            new
            {
                train,
                batch_size = 3,
                max_source_length = maxSourceLength,
                max_target_length = 24,
                decoder_layers = 1,
                sentence_salience_weight = weight,
            }
        );
    }

    [Fact]
    public void EachSourceIsReadSentenceBySentenceWithTheClosestSentenceMarked()
    {
        var data = Load(0.5);
        var tokenizer = data.SourceTokenizer;
        var first = data.Train[0];
        var sentences = first.Sentences!;
        Assert.Equal(1, sentences.Best);
        string[] texts =
        [
            "Deep networks need large labelled sets.",
            "We show that sparse attention halves memory use.",
            "The code is public.",
        ];
        Assert.Equal(
            texts.Select(t => tokenizer.EncodeUntruncated(t).ToArray()),
            sentences.Spans.Select(span => first.SourceIds[span])
        );
        Assert.Equal((tokenizer.ClsId, tokenizer.SepId), (first.SourceIds[0], first.SourceIds[^1]));
        Assert.Equal(sentences.Spans[^1].End.Value + 1, first.SourceIds.Length);
        Assert.Equal(-1, data.Train[1].Sentences!.Best); // one sentence: nothing to rank
        Assert.Equal(1, data.Train[2].Sentences!.Best); // the best of several references counts

        // A source longer than the head reads: the last sentence read is cut there, nothing after it.
        var cut = Load(0.5, maxSourceLength: 12).Train[0];
        Assert.Equal(12, cut.SourceIds.Length);
        Assert.Equal(11, cut.Sentences!.Spans[^1].End.Value);

        // Without the setting, sources are encoded whole and carry no sentences.
        Assert.All(Load(0).Train, e => Assert.Null(e.Sentences));
    }

    [Fact]
    public void ABatchAveragesEachSentencesTokensAndIgnoresDocumentsWithoutABestSentence()
    {
        var data = Load(0.5);
        using var scope = NewDisposeScope();
        var batch = BatchTensors.From(data.Train, data.SourceTokenizer.PadId, data.Vocabulary!.PadId);
        var pooling = batch.SentencePooling!;
        Assert.Equal([3, 3, data.Train.Max(e => e.SourceIds.Length)], pooling.shape);
        var sums = pooling.sum(2);
        Assert.Equal(
            new[] { true, true, true, true, false, false, true, true, false },
            batch.SentenceMask!.data<bool>().ToArray()
        );
        Assert.All(sums.data<float>().ToArray().Zip(batch.SentenceMask.data<bool>().ToArray()), p =>
            Assert.Equal(p.Second ? 1f : 0f, p.First, 1e-5f)
        );
        var span = data.Train[0].Sentences!.Spans[1];
        var row = pooling[0, 1].data<float>().ToArray();
        Assert.All(Enumerable.Range(0, row.Length), t =>
            Assert.Equal(
                t >= span.Start.Value && t < span.End.Value ? 1f / (span.End.Value - span.Start.Value) : 0f,
                row[t]
            )
        );
        Assert.Equal([1L, BatchTensors.Ignore, 1L], batch.BestSentence!.data<long>().ToArray());
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void TheSentenceClassifierTrainsWithTheSummarizerAndFindsTheMarkedSentence()
    {
        var data = Load(1.0);
        var root = fixture.NewDirectory("sentences-model");
        var options = new TrainerOptions { OutputDirectory = root };
        manual_seed(5);
        var encoder = TinyRun.WriteEncoder(Path.Combine(root, "encoder"));
        using var model = TrainingSetup.CreateModel(
            options,
            encoder,
            new Dictionary<string, TaskData> { [TaskNames.Summarize] = data }
        );
        var head = $"heads.{MultiTaskModel.SentenceHeadName(TaskNames.Summarize)}.score.weight";
        Assert.Contains(head, model.state_dict().Keys);
        // The optimizer trains it with the head (its weight and bias beside the decoder's).
        Assert.Equal(
            model.Decoder(TaskNames.Summarize).parameters().Count() + 2,
            model.HeadParameters(TaskNames.Summarize).Count()
        );

        model.train();
        using var optimizer = optim.AdamW(model.parameters(), 3e-3);
        double SentenceLoss()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var batch = BatchTensors.From(data.Train, data.SourceTokenizer.PadId, data.Vocabulary!.PadId);
            var hidden = model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            var scores = model.SentenceScores(TaskNames.Summarize, hidden, batch.SentencePooling!);
            return nn
                .functional.cross_entropy(
                    scores.masked_fill(batch.SentenceMask!.logical_not(), -1e4),
                    batch.BestSentence!,
                    ignore_index: BatchTensors.Ignore
                )
                .item<float>();
        }
        var before = SentenceLoss();
        for (var step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var batch = BatchTensors.From(data.Train, data.SourceTokenizer.PadId, data.Vocabulary!.PadId);
            TaskLoss.Compute(model, TaskNames.Summarize, batch, 0.1).backward();
            optimizer.step();
        }
        model.eval();
        Assert.True(SentenceLoss() < 0.3 * before, $"sentence loss {before} → {SentenceLoss()}");

        // The in-training evaluation's pick (what a bundle's Ranked style serves): the marked sentences, and the only
        // sentence of a one-sentence document.
        var sources = Documents
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("source").GetString()!)
            .ToList();
        Assert.Equal(
            [
                "We show that sparse attention halves memory use.",
                "One sentence only.",
                "A new objective stops repetition in long outputs.",
            ],
            TorchPredictor.TopSentences(model, TaskNames.Summarize, data.SourceTokenizer, sources, batchSize: 2)
        );
    }

    [Fact]
    public void PastItsEncoderPassesTheClassifiersLossTrainsItsHeadAndNotTheEncoder()
    {
        var data = Load(1.0);
        var root = fixture.NewDirectory("sentences-detach");
        manual_seed(7);
        using var model = TrainingSetup.CreateModel(
            new TrainerOptions { OutputDirectory = root },
            TinyRun.WriteEncoder(Path.Combine(root, "encoder")),
            new Dictionary<string, TaskData> { [TaskNames.Summarize] = data }
        );
        var encoder = model.EncoderParameters().ToList();
        var head = model.HeadParameters(TaskNames.Summarize).ToList();
        // The gradients of the classifier's own cross-entropy alone, on the encoder and on the head.
        (double Encoder, double Head) SentenceGradients(bool trainEncoder)
        {
            using var scope = NewDisposeScope();
            Trainer.ClearGradients(model.parameters());
            var batch = BatchTensors.From(data.Train, data.SourceTokenizer.PadId, data.Vocabulary!.PadId);
            var terms = TaskLoss.ComputeTerms(model, TaskNames.Summarize, batch, 0.1, null, trainEncoder);
            terms.Sentences!.backward();
            static double Norm(IEnumerable<TorchSharp.Modules.Parameter> ps) =>
                ps.Where(p => p.grad is not null).Sum(p => p.grad!.abs().sum().item<float>());
            return (Norm(encoder), Norm(head));
        }
        var through = SentenceGradients(trainEncoder: true);
        var detached = SentenceGradients(trainEncoder: false);
        Assert.True(through.Encoder > 0, "the classifier trains the encoder in its first passes");
        Assert.Equal(0, detached.Encoder);
        Assert.True(detached.Head > 0, "past them its head still trains");
        Assert.Equal(through.Head, detached.Head, 1e-4);

        // The pass is the batch stream's: 3 examples in batches of 3 are one batch a pass.
        var batches = new TaskBatches(data.Train, batchSize: 3, seed: 1);
        var onePass = data.Settings with { SentenceSalienceEncoderEpochs = 1 };
        var never = data.Settings with { SentenceSalienceEncoderEpochs = 0 };
        var unlimited = data.Settings with { SentenceSalienceEncoderEpochs = null };
        var seen = Enumerable
            .Range(0, 3)
            .Select(_ =>
            {
                batches.Next();
                return (
                    Trainer.SentencesTrainEncoder(onePass, batches),
                    Trainer.SentencesTrainEncoder(never, batches),
                    Trainer.SentencesTrainEncoder(unlimited, batches)
                );
            })
            .ToList();
        Assert.Equal([(true, false, true), (false, false, true), (false, false, true)], seen);
    }

    /// <summary>The summarize sample over the tiny encoder (8 steps), its sentence classifier at
    /// <paramref name="weight"/>.</summary>
    static string SampleConfig(string root, double? weight) =>
        TinyRun.WriteConfig(
            root,
            TinyRun.WriteEncoder(Path.Combine(root, "encoder")),
            [TaskNames.Summarize],
            sentenceSalienceWeight: weight
        );

    [Fact]
    [Trait("Category", "Integration")]
    public void AFineTuneAddsRetrainsOrDropsTheClassifierAndKeepsEveryOtherTrainedWeight()
    {
        var root = fixture.NewDirectory("sentences-from");
        string TwoSteps(string name, double weight)
        {
            var run = Path.Combine(root, name);
            new Trainer(
                TrainingConfig.Load(SampleConfig(Path.Combine(root, $"{name}-config"), weight)),
                new TrainerOptions
                {
                    OutputDirectory = run,
                    MaxSteps = 2,
                    Log = TextWriter.Null,
                }
            ).Run();
            return run;
        }
        var plainRun = TwoSteps("plain", weight: 0);

        Dictionary<string, TaskData>? data = null;
        MultiTaskModel FineTune(string from, double? weight)
        {
            var options = new TrainerOptions
            {
                OutputDirectory = Path.Combine(root, "ft"),
                From = Path.Combine(from, "last"),
            };
            var config = TrainingConfig.Load(
                SampleConfig(Path.Combine(root, $"ft-{weight?.ToString() ?? "unset"}"), weight)
            );
            data = TrainingSetup.LoadData(config, options, options.From);
            return TrainingSetup.CreateModel(options, options.From, data);
        }
        var classifier = $"heads.{MultiTaskModel.SentenceHeadName(TaskNames.Summarize)}.";
        var head = $"{classifier}score.weight";
        void AssertKeeps(string run, MultiTaskModel tuned, bool dropsClassifier = false)
        {
            using var trained = MultiTaskCheckpoint.Load(Path.Combine(run, "last"));
            var tunedWeights = tuned.state_dict();
            Assert.All(
                trained
                    .state_dict()
                    .Where(p => !(dropsClassifier && p.Key.StartsWith(classifier, StringComparison.Ordinal))),
                p => Assert.True(p.Value.allclose(tunedWeights[p.Key], rtol: 0, atol: 0), p.Key)
            );
        }

        using (var tuned = FineTune(plainRun, 0.5))
        {
            Assert.Equal(0.5, tuned.Config.Decoder(TaskNames.Summarize).SentenceSalienceWeight);
            Assert.Contains(head, tuned.state_dict().Keys);
            AssertKeeps(plainRun, tuned);
        }

        // A checkpoint with the classifier trains it on at the fine-tune's weight; without one set, at its own; at 0
        // the classifier goes and everything else stays.
        var classifierRun = TwoSteps("classifier", weight: 0.5);
        using (var tuned = FineTune(classifierRun, 2.0))
        {
            Assert.Equal(2.0, tuned.Config.Decoder(TaskNames.Summarize).SentenceSalienceWeight);
            AssertKeeps(classifierRun, tuned);
        }
        using (var kept = FineTune(classifierRun, null))
        {
            Assert.Equal(0.5, kept.Config.Decoder(TaskNames.Summarize).SentenceSalienceWeight);
            // and its documents carry sentence labels, so the classifier keeps training
            Assert.Contains(data![TaskNames.Summarize].Train, e => e.Sentences is { Best: >= 0 });
        }
        using (var dropped = FineTune(classifierRun, 0))
        {
            Assert.Equal(0, dropped.Config.Decoder(TaskNames.Summarize).SentenceSalienceWeight);
            Assert.DoesNotContain(dropped.state_dict().Keys, k => k.StartsWith(classifier, StringComparison.Ordinal));
            Assert.All(data![TaskNames.Summarize].Train, e => Assert.Null(e.Sentences));
            AssertKeeps(classifierRun, dropped, dropsClassifier: true);
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void TheTrainingLogKeepsTheSentenceLossApartAndTheEvaluationScoresTheClassifiersPick()
    {
        var root = fixture.NewDirectory("sentences-run");
        var config = SampleConfig(root, weight: 1.0);
        // The classifier trains the encoder for one pass over the sample, then its head alone.
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!;
        json["tasks"]!["summarize"]!["sentence_salience_encoder_epochs"] = 1;
        File.WriteAllText(config, json.ToJsonString());
        var output = Path.Combine(root, "out");
        var log = new StringWriter();
        new Trainer(TrainingConfig.Load(config), new TrainerOptions { OutputDirectory = output, Log = log }).Run(
            CancellationToken.None
        );
        var switches = log.ToString()
            .Split('\n')
            .Where(l => l.Contains("its sentence classifier now trains its head only", StringComparison.Ordinal))
            .ToList();
        Assert.Single(switches);
        // The sample is more than one batch, so the first pass takes more than the first step.
        Assert.DoesNotMatch("^step 1:", switches[0]);

        var records = MetricsLog.Read(Path.Combine(output, "metrics.jsonl"));
        var totals = records.Where(r => r.Name == "loss/summarize").ToDictionary(r => r.Step, r => r.Value);
        var sentences = records.Where(r => r.Name == "loss/summarize.sentences").ToList();
        Assert.Equal(totals.Keys.Order(), sentences.Select(r => r.Step).Order());
        // Weight 1: the step's loss is the token loss (positive) plus this one, past the first pass too.
        Assert.All(sentences, r => Assert.InRange(r.Value, 1e-6, totals[r.Step]));
        var ranked = records.Where(r => r.Name == "summarize/ranked_rouge1").ToList();
        Assert.Equal([4L, 8L], ranked.Select(r => r.Step));
        // Each pick is a sentence of its abstract, which shares words with the reference.
        Assert.All(ranked, r => Assert.InRange(r.Value, 5, 100));
        Assert.Contains(records, r => r.Name == "summarize/rouge1" && r.Step == 8);
    }
}
