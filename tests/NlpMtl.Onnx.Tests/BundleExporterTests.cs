using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Inference;
using NlpMtl.Inference.Documents;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Onnx.Parity;
using NlpMtl.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NlpMtl.Onnx.Tests;

/// <summary>Checkpoint → bundle: every file, a complete manifest with parity, and no bundle when export
/// fails.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class BundleExporterTests(PretrainedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void ExportWritesEveryGraphTokenizerAndAManifestWithParity()
    {
        var checkpoint = ThreeHeadCheckpoint.Write(fixture, Path.Combine(fixture.Root, "three-heads"));
        var bundle = Path.Combine(fixture.Root, "bundle");
        var written = BundleExporter.Export(checkpoint, bundle, new BundleExportOptions { Log = output.WriteLine });

        foreach (
            var file in new[]
            {
                BundleNames.EncoderFile,
                "vocab.txt",
                BundleManifest.FileName,
                BundleNames.CrossFile(TaskNames.Summarize),
                BundleNames.DecoderFile(TaskNames.Summarize),
                BundleNames.CrossFile(TaskNames.Translate),
                BundleNames.DecoderFile(TaskNames.Translate),
                Path.Combine(ThreeHeadCheckpoint.TranslateTokenizerDirectory, "target_tokenizer.json"),
            }
        )
            Assert.True(File.Exists(Path.Combine(bundle, file)), $"bundle lacks {file}");
        Assert.Empty(Directory.GetDirectories(fixture.Root, "bundle.partial-*"));

        var manifest = BundleManifest.Load(bundle);
        Assert.Equal(written.Parity.EncoderHiddenMaxAbs, manifest.Parity.EncoderHiddenMaxAbs);
        Assert.Equal(["sentiment", "summarize", "translate"], manifest.Tasks);
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", manifest.BaseModel);
        Assert.Equal(["0", "1"], manifest.Sentiment!.Labels);
        Assert.Equal(
            (384, 6, 512),
            (manifest.Encoder.HiddenSize, manifest.Encoder.NumLayers, manifest.Encoder.MaxPositions)
        );
        Assert.Equal(128, manifest.Encoder.MaxLength); // the head records no trained window: the default
        var translate = manifest.Translate!;
        Assert.Equal(
            (VocabularyKind.Target, ThreeHeadCheckpoint.TranslateTokenizerDirectory, 6120, 1, 2),
            (
                translate.Vocabulary,
                translate.TargetTokenizerDirectory,
                translate.VocabSize,
                translate.BosId,
                translate.EosId
            )
        );
        Assert.Equal(
            (1, 12, 32, 48),
            (translate.NumLayers, translate.NumHeads, translate.HeadDim, translate.MaxSourceLength)
        );
        Assert.Equal(
            (2, 8, 3),
            (translate.Generation.NumBeams, translate.Generation.MaxNewTokens, translate.Generation.NoRepeatNgramSize)
        );
        Assert.Equal(("en", "de"), (translate.SourceLanguage, translate.TargetLanguage));
        Assert.Equal(
            (VocabularyKind.Encoder, 101, 102),
            (manifest.Summarize!.Vocabulary, manifest.Summarize.BosId, manifest.Summarize.EosId)
        );
        var json = File.ReadAllText(Path.Combine(bundle, BundleManifest.FileName)); // the contract spells them in words
        Assert.Contains("\"vocabulary\": \"target\"", json);
        Assert.Contains("\"vocabulary\": \"encoder\"", json);

        var parity = manifest.Parity;
        Assert.True(parity.Inputs >= 16);
        Assert.InRange(parity.EncoderHiddenMaxAbs, 0, 1e-4);
        Assert.InRange(parity.SentimentLogitsMaxAbs!.Value, 0, 1e-4);
        foreach (var task in new[] { TaskNames.Summarize, TaskNames.Translate })
        {
            Assert.InRange(parity.Decoders[task].StepLogitsMaxAbs, 0, 1e-4);
            Assert.InRange(parity.Decoders[task].GreedyIdenticalFraction, 0.95, 1);
        }
    }

    [Fact]
    public void ASummarizersTrainedSentenceClassifierIsExportedAsTheBundlesRanker()
    {
        manual_seed(23);
        var heads = ThreeHeadCheckpoint.Heads(["0", "1"]) with { Translate = null };
        heads = heads with { Summarize = heads.Summarize! with { SentenceSalienceWeight = 0.5 } };
        var checkpoint = Path.Combine(fixture.Root, "sentence-head");
        using var model = new MultiTaskModel(BertCheckpoint.Load(fixture.CheckpointDirectory), heads);
        var weights = model.SentenceHeadWeights(TaskNames.Summarize)!;
        ThreeHeadCheckpoint.Save(model, checkpoint, fixture.CheckpointDirectory);
        var bundle = Path.Combine(fixture.Root, "sentence-head-bundle");
        var manifest = BundleExporter.Export(checkpoint, bundle, new BundleExportOptions { Log = output.WriteLine });

        Assert.Equal(
            (LearnedSalienceScorer.FileName, true),
            (manifest.Salience!.File, manifest.Salience.TrainedWithModel)
        );
        using var engine = InferenceEngine.Load(bundle, new InferenceOptions { SummaryStyle = SummaryStyle.Ranked });
        var ranker = engine.Bundle.Salience!;
        Assert.True(ranker.IsTrainedHead);
        Assert.Equal(weights.Select(w => (double)w), ranker.Weights);

        // Parity: the served scores (ORT states read in context) are TorchSharp's head scores, up to the bias.
        const string document =
            "Deep networks need large labelled sets. Sparse attention halves memory. Code is public.";
        var served = engine.EmbedSentences([document], ranker.Vectors)[0];
        var scores = ranker.Score(served.Sentences, served.Vectors);
        var tokenizer = engine.Bundle.Tokenizer;
        var pieces = served.Sentences.Select(t => tokenizer.EncodeUntruncated(t).ToArray()).ToList();
        int[] ids = [tokenizer.ClsId, .. pieces.SelectMany(p => p), tokenizer.SepId];
        var pooling = new float[pieces.Count * ids.Length];
        var start = 1;
        for (var k = 0; k < pieces.Count; start += pieces[k++].Length)
            pooling.AsSpan(k * ids.Length + start, pieces[k].Length).Fill(1f / pieces[k].Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        var hidden = model.Encode(input, ones_like(input), zeros_like(input));
        var expected = model
            .SentenceScores(TaskNames.Summarize, hidden, tensor(pooling, [1, pieces.Count, ids.Length]))
            .data<float>()
            .ToArray();
        var bias = expected[0] - scores[0];
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(expected[k], scores[k] + bias, 1e-4));
        var summary = engine.Predict([new DocumentRequest("d", document, ["summarize"])])[0].Predictions[0];
        Assert.Equal(Array.IndexOf(expected, expected.Max()), summary.Extracted);
    }

    [Fact]
    public void ParityMissFailsAndLeavesNoBundle()
    {
        var checkpoint = ThreeHeadCheckpoint.Write(
            fixture,
            Path.Combine(fixture.Root, "sentiment-only"),
            sentimentOnly: true
        );
        var bundle = Path.Combine(fixture.Root, "strict-bundle");
        // No float graph matches TorchSharp to 1e-12: a stand-in for a graph that does not reproduce the model.
        var error = Assert.Throws<ParityException>(() =>
            BundleExporter.Export(checkpoint, bundle, new BundleExportOptions { Tolerance = 1e-12 })
        );
        output.WriteLine(error.Message);
        Assert.Contains("encoder.onnx: last_hidden_state", error.Message);
        Assert.False(Directory.Exists(bundle));
        Assert.Empty(Directory.GetDirectories(fixture.Root, "strict-bundle.*"));
    }

    [Fact]
    public void FusedEncoderPassesParityAndItsInt8VariantIsQuantizedFromTheStandardGraph()
    {
        var checkpoint = ThreeHeadCheckpoint.Write(
            fixture,
            Path.Combine(fixture.Root, "sentiment-fused"),
            sentimentOnly: true,
            sentimentLength: 64
        );
        var bundle = Path.Combine(fixture.Root, "fused-bundle");
        var manifest = BundleExporter.Export(
            checkpoint,
            bundle,
            new BundleExportOptions
            {
                EncoderOps = EncoderOps.FusedAttention,
                QuantizeInt8 = true,
                Log = output.WriteLine,
                ValidationSentiment = Path.Combine(AppContext.BaseDirectory, "samples", "sentiment.tsv"),
            }
        );
        Assert.Contains("FusedAttention", manifest.Encoder.Operators);
        Assert.Equal(64, manifest.Encoder.MaxLength); // sentiment windows are served at the head's trained length
        Assert.InRange(manifest.Parity.EncoderHiddenMaxAbs, 0, 1e-4);
        var fp32 = global::Onnx.ModelProto.Parser.ParseFrom(
            File.ReadAllBytes(Path.Combine(bundle, BundleNames.EncoderFile))
        );
        var int8 = global::Onnx.ModelProto.Parser.ParseFrom(
            File.ReadAllBytes(Path.Combine(bundle, manifest.Quantization!.Files[BundleNames.EncoderFile]))
        );
        Assert.Contains(fp32.Graph.Node, n => n.OpType == "Attention");
        Assert.DoesNotContain(int8.Graph.Node, n => n.OpType == "Attention");
        // 6 layers × (Q, K, V, O, FFN in, FFN out)
        Assert.Equal(36, int8.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        var accuracy = manifest.Quantization.Metrics["sentiment_accuracy"];
        Assert.Equal(48, accuracy.Examples);
    }

    [Fact]
    public void OutputFolderThatIsNotABundleIsNotOverwritten()
    {
        var target = Directory.CreateDirectory(Path.Combine(fixture.Root, "precious")).FullName;
        File.WriteAllText(Path.Combine(target, "notes.txt"), "keep me");
        var error = Assert.Throws<IOException>(() => BundleExporter.Export(fixture.CheckpointDirectory, target));
        Assert.Contains("not a model bundle", error.Message);
        Assert.True(File.Exists(Path.Combine(target, "notes.txt")));
    }
}
