using Google.Protobuf;
using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Data;
using NlpMtl.Core.Metrics;
using NlpMtl.Inference;
using Onnx;

namespace NlpMtl.Onnx.Quantization;

/// <summary> <c>export --quantize int8</c>: writes the int8 variant of every graph of the bundle
/// (<see cref="BundleNames.Int8File"/>) in the form <see cref="DefaultForm"/>, then measures what it costs on the
/// validation data given to export, through the serving engine: sentiment accuracy, and translation BLEU of greedy
/// generations, each fp32 against int8. </summary>
public static class Int8Export
{
    /// <summary>
    /// The one form that pays for both graph kinds: on the encoder the three forms are within noise of each other,
    /// on decoder steps only this one is faster than fp32 (<c>nlpmtl-bench export</c>; figures in docs/benchmarks.md).
    /// </summary>
    public const Int8Form DefaultForm = Int8Form.DynamicQuantizeMatMul;

    /// <param name="sources">Per file, the fp32 graph to quantize when it is not the file itself.</param>
    /// <remarks>The manifest is saved with the int8 files before they are measured: the measurements load the bundle
    /// as serving does.</remarks>
    public static QuantizationManifest Run(
        BundleManifest manifest,
        string bundle,
        BundleExportOptions options,
        IReadOnlyDictionary<string, ModelProto>? sources = null
    )
    {
        var files = new Dictionary<string, string>();
        foreach (var file in GraphFiles(manifest))
        {
            var fp32 = sources?.GetValueOrDefault(file)
                ?? ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(bundle, file)));
            EncoderExporter.Write(
                Int8Quantizer.Quantize(fp32, DefaultForm, options.Int8Exclude),
                Path.Combine(bundle, BundleNames.Int8File(file))
            );
            files[file] = BundleNames.Int8File(file);
        }
        var quantization = new QuantizationManifest { Kind = KindName(options.Int8Exclude), Files = files };
        (manifest with { Quantization = quantization }).Save(bundle);
        var metrics = new Dictionary<string, MetricDelta>();
        if (options.ValidationSentiment is { } sentiment)
            metrics["sentiment_accuracy"] = SentimentAccuracy(
                manifest,
                bundle,
                sentiment,
                options.MaxValidationExamples
            );
        if (options.ValidationTranslate is { } translate)
            metrics["translate_bleu_greedy"] = TranslateBleu(
                manifest,
                bundle,
                translate,
                options.ValidationTranslateTarget,
                options.MaxValidationExamples
            );
        foreach (var (name, delta) in metrics)
            options.Log?.Invoke(
                $"int8 {name}: fp32 {delta.Fp32:F2}, int8 {delta.Int8:F2} on {delta.Examples} examples, "
                    + $"{delta.Identical:F1} % of outputs identical"
            );
        return quantization with { Metrics = metrics };
    }

    /// <summary>The manifest's <c>quantization.kind</c>, e.g. "int8-dynamic-per-column (DynamicQuantizeMatMul)", with
    /// ", feed-forward output fp32" under that exclusion.</summary>
    public static string KindName(Int8Exclusion exclude) =>
        exclude == Int8Exclusion.FeedForwardOutput
            ? $"int8-dynamic-per-column ({DefaultForm}, feed-forward output fp32)"
            : $"int8-dynamic-per-column ({DefaultForm})";

    /// <summary>Percent of positions where the two output lists agree.</summary>
    static double IdenticalPercent(IReadOnlyList<string> fp32, IReadOnlyList<string> int8) =>
        100.0 * fp32.Zip(int8).Count(p => p.First == p.Second) / fp32.Count;

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

    /// <summary>Accuracy in percent (as training reports it) of the fp32 and the int8 bundle, served whole.</summary>
    static MetricDelta SentimentAccuracy(BundleManifest manifest, string bundle, string path, int maxExamples)
    {
        var labels = manifest.Sentiment?.Labels
            ?? throw new InvalidOperationException(
                $"{path}: sentiment validation data was given but the checkpoint has no sentiment head"
            );
        var examples = LabelNames.Apply(
            DatasetReader.ReadSentiment(path).Take(maxExamples).ToList(),
            manifest.Sentiment.LabelNames,
            path
        );
        if (examples.Count == 0)
            throw new InvalidDataException($"{path}: no sentiment examples");
        if (examples.FirstOrDefault(e => !labels.Contains(e.Label)) is { } stranger)
            throw new InvalidDataException(
                $"{path}: label '{stranger.Label}' is not one the model knows ({string.Join(", ", labels)})"
            );
        var gold = examples.Select(e => LabelNames.Name(manifest.Sentiment.LabelNames, e.Label)).ToList();
        List<string> Labels(bool int8) =>
            Serve(bundle, int8, TaskNames.Sentiment, examples.Select(e => e.Text)).Select(p => p.Label!).ToList();
        var (fp32, int8) = (Labels(int8: false), Labels(int8: true));
        return new MetricDelta(
            100 * ClassificationMetrics.Accuracy(gold, fp32),
            100 * ClassificationMetrics.Accuracy(gold, int8),
            examples.Count,
            IdenticalPercent(fp32, int8)
        );
    }

    /// <summary>sacreBLEU of greedy translations, served whole: the fp32 bundle against the int8 one.</summary>
    static MetricDelta TranslateBleu(
        BundleManifest manifest,
        string bundle,
        string path,
        string? targetPath,
        int maxExamples
    )
    {
        _ = manifest.Translate
            ?? throw new InvalidOperationException(
                $"{path}: translation validation data was given but the checkpoint has no translate head"
            );
        var examples = DatasetReader.ReadSeq2Seq(path, targetPath).Take(maxExamples).ToList();
        if (examples.Count == 0)
            throw new InvalidDataException($"{path}: no translation examples");
        var references = examples.Select(e => e.Targets).ToList();
        List<string> Translations(bool int8) =>
            Serve(bundle, int8, TaskNames.Translate, examples.Select(e => e.Source))
                .Select(p => p.Translation!)
                .ToList();
        var (fp32, int8) = (Translations(int8: false), Translations(int8: true));
        return new MetricDelta(
            SacreBleu.CorpusFromReferenceLists(fp32, references).Score,
            SacreBleu.CorpusFromReferenceLists(int8, references).Score,
            examples.Count,
            IdenticalPercent(fp32, int8)
        );
    }

    /// <summary>The texts through the serving engine (CPU, greedy), one prediction each in input order.</summary>
    static List<TaskPrediction> Serve(string bundle, bool int8, string task, IEnumerable<string> texts)
    {
        var options = new InferenceOptions
        {
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            PreferInt8 = int8,
            NumBeams = 1,
        };
        using var engine = InferenceEngine.Load(bundle, options, tasks: [task]);
        var requests = texts.Select((text, i) => new DocumentRequest($"{i + 1}", text, [task])).ToList();
        return engine.Predict(requests).Select(r => r.Predictions[0]).ToList();
    }
}
