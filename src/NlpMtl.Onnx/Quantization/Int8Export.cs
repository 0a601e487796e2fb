using Google.Protobuf;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;
using NlpMtl.Core.Tokenization;
using NlpMtl.Onnx.Parity;
using Onnx;

namespace NlpMtl.Onnx.Quantization;

/// <summary>
/// <c>export --quantize int8</c>: writes the int8 variant of every graph of the bundle (<see cref="BundleNames.Int8File"/>)
/// in the form measured fastest here (<see cref="DefaultForm"/>), then measures what it costs on the validation data
/// given to export: sentiment accuracy, and translation BLEU of greedy generations, each fp32 against int8.
/// </summary>
public static class Int8Export
{
    /// <summary>
    /// <c>nlpmtl bench export</c> on the 3-head demo checkpoint (2 threads, AVX-512 VNNI, 2 shared cores under load):
    /// encoder batch 32×64, int8/fp32 in five runs — DynamicQuantizeMatMul 1.96, 2.11, 1.39, 1.81, 2.17×;
    /// MatMulIntegerToFloat 1.70, 1.82, 1.81, 2.30, 2.20×; MatMulInteger 1.72, 1.99, 1.71, 2.35, 2.02× (the encoder
    /// forms are within the noise of each other). Decoder steps (8 rows, 16 cached): DynamicQuantizeMatMul 1.60× and
    /// 4.34×, the others 0.69–1.20×, so it is the one form that pays for both graph kinds.
    /// </summary>
    public const Int8Form DefaultForm = Int8Form.DynamicQuantizeMatMul;

    const int BatchSize = 32;

    /// <param name="sources">Per file, the fp32 graph to quantize when it is not the file itself.</param>
    public static QuantizationManifest Run(BundleManifest manifest, string bundle, BundleExportOptions options, IReadOnlyDictionary<string, ModelProto>? sources = null)
    {
        var files = new Dictionary<string, string>();
        foreach (var file in GraphFiles(manifest))
        {
            var fp32 = sources?.GetValueOrDefault(file) ?? ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(bundle, file)));
            EncoderExporter.Write(Int8Quantizer.Quantize(fp32, DefaultForm), Path.Combine(bundle, BundleNames.Int8File(file)));
            files[file] = BundleNames.Int8File(file);
        }
        var metrics = new Dictionary<string, MetricDelta>();
        if (options.ValidationSentiment is { } sentiment)
            metrics["sentiment_accuracy"] = SentimentAccuracy(manifest, bundle, sentiment, options.MaxValidationExamples);
        if (options.ValidationTranslate is { } translate)
            metrics["translate_bleu_greedy"] = TranslateBleu(manifest, bundle, translate, options.ValidationTranslateTarget, options.MaxValidationExamples);
        foreach (var (name, delta) in metrics) options.Log?.Invoke($"int8 {name}: fp32 {delta.Fp32:F2}, int8 {delta.Int8:F2} on {delta.Examples} examples");
        return new QuantizationManifest { Kind = $"int8-dynamic-per-column ({DefaultForm})", Files = files, Metrics = metrics };
    }

    static IEnumerable<string> GraphFiles(BundleManifest manifest)
    {
        yield return manifest.Encoder.File;
        foreach (var task in manifest.Tasks)
            if (manifest.Decoder(task) is { } decoder)
            {
                yield return decoder.CrossFile;
                yield return decoder.File;
            }
    }

    /// <summary>Accuracy in percent (as training reports it) of the fp32 and the int8 encoder.</summary>
    static MetricDelta SentimentAccuracy(BundleManifest manifest, string bundle, string path, int maxExamples)
    {
        var labels = manifest.Sentiment?.Labels ?? throw new InvalidOperationException($"{path}: sentiment validation data was given but the checkpoint has no sentiment head");
        var examples = LabelNames.Apply(DatasetReader.ReadSentiment(path).Take(maxExamples).ToList(), manifest.Sentiment.LabelNames, path);
        if (examples.Count == 0) throw new InvalidDataException($"{path}: no sentiment examples");
        if (examples.FirstOrDefault(e => !labels.Contains(e.Label)) is { } stranger)
            throw new InvalidDataException($"{path}: label '{stranger.Label}' is not one the model knows ({string.Join(", ", labels)})");
        var tokenizer = BertInputTokenizer.FromCheckpoint(bundle, manifest.Encoder.MaxLength);
        double Accuracy(string file)
        {
            using var encoder = new OrtGraph(File.ReadAllBytes(Path.Combine(bundle, file)), file);
            var predicted = new string[examples.Count];
            foreach (var chunk in ByLength(examples.Select(e => e.Text).ToList(), tokenizer))
            {
                var batch = tokenizer.EncodeBatch(chunk.Select(i => examples[i].Text).ToList());
                var logits = encoder.Run(EncoderInputs(batch))[BundleNames.SentimentLogits];
                for (var row = 0; row < chunk.Length; row++) predicted[chunk[row]] = labels[ArgMax(logits.Values.AsSpan(row * labels.Length, labels.Length))];
            }
            return 100 * ClassificationMetrics.Accuracy(examples.Select(e => e.Label).ToList(), predicted);
        }
        return new MetricDelta(Accuracy(manifest.Encoder.File), Accuracy(BundleNames.Int8File(manifest.Encoder.File)), examples.Count);
    }

    /// <summary>sacreBLEU of greedy translations: the fp32 chain (encoder, cross, step) against the int8 chain.</summary>
    static MetricDelta TranslateBleu(BundleManifest manifest, string bundle, string path, string? targetPath, int maxExamples)
    {
        var head = manifest.Translate ?? throw new InvalidOperationException($"{path}: translation validation data was given but the checkpoint has no translate head");
        var examples = DatasetReader.ReadSeq2Seq(path, targetPath).Take(maxExamples).ToList();
        if (examples.Count == 0) throw new InvalidDataException($"{path}: no translation examples");
        var tokenizer = BertInputTokenizer.FromCheckpoint(bundle, Math.Min(head.MaxSourceLength, manifest.Encoder.MaxPositions));
        IDecoderVocabulary vocabulary = head.Vocabulary == "target"
            ? TargetTokenizer.Load(Path.Combine(bundle, head.TargetTokenizerDirectory!))
            : new WordPieceDecoderVocabulary(tokenizer);
        var references = examples.Select(e => e.Targets).ToList();
        double Bleu(Func<string, string> file)
        {
            using var encoder = new OrtGraph(File.ReadAllBytes(Path.Combine(bundle, file(manifest.Encoder.File))), file(manifest.Encoder.File));
            using var decoder = new OrtDecoder(new OrtGraph(File.ReadAllBytes(Path.Combine(bundle, file(head.CrossFile))), file(head.CrossFile)),
                new OrtGraph(File.ReadAllBytes(Path.Combine(bundle, file(head.File))), file(head.File)), head.NumLayers, head.NumHeads, head.HeadDim);
            var hypotheses = new string[examples.Count];
            foreach (var chunk in ByLength(examples.Select(e => e.Source).ToList(), tokenizer))
            {
                var batch = tokenizer.EncodeBatch(chunk.Select(i => examples[i].Source).ToList());
                var hidden = encoder.Run(EncoderInputs(batch with { TokenTypeIds = new long[batch.TokenTypeIds.Length] }))[BundleNames.LastHiddenState];
                var generated = decoder.Greedy(hidden, batch.AttentionMask, head.BosId, head.EosId, head.PadId, head.Generation.MaxNewTokens, head.Generation.NoRepeatNgramSize);
                for (var row = 0; row < chunk.Length; row++) hypotheses[chunk[row]] = vocabulary.Decode(generated[row]);
            }
            return SacreBleu.CorpusFromReferenceLists(hypotheses, references).Score;
        }
        return new MetricDelta(Bleu(f => f), Bleu(BundleNames.Int8File), examples.Count);
    }

    /// <summary>Indices of <paramref name="texts"/> in batches of similar token length (less padding).</summary>
    static IEnumerable<int[]> ByLength(IReadOnlyList<string> texts, BertInputTokenizer tokenizer) =>
        Enumerable.Range(0, texts.Count).OrderBy(i => tokenizer.Encode(texts[i]).Count).Chunk(BatchSize);

    static Dictionary<string, (Array, long[])> EncoderInputs(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return new()
        {
            [BundleNames.InputIds] = (batch.InputIds, shape),
            [BundleNames.AttentionMask] = (batch.AttentionMask, shape),
            [BundleNames.TokenTypeIds] = (batch.TokenTypeIds, shape),
        };
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
