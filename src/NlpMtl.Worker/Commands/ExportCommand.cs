using System.CommandLine;
using NlpMtl.Core.Bundle;
using NlpMtl.Onnx;
using NlpMtl.Onnx.Quantization;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl export --checkpoint DIR --out DIR [--quantize int8] [--salience-data FILE]</c>: writes an ONNX model
/// bundle (and, with <c>--salience-data</c>, fits its sentence ranker before any <c>--publish</c>); fails (no bundle)
/// when ORT does not reproduce the TorchSharp model (see <see cref="BundleExporter"/>).
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint")
        {
            Description =
                "Trained multi-task checkpoint (RUN/best; a run folder RUN means its best), or a plain HF "
                + "checkpoint (encoder-only bundle)",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Bundle directory to write (replaced if it holds a bundle)",
            Required = true,
        };
        var quantize = new Option<string?>("--quantize")
        {
            Description = "Also write dynamically quantized graphs: int8",
        };
        quantize.AcceptOnlyFromAmong("int8");
        var exclude = new Option<string>("--int8-exclude")
        {
            Description =
                "MatMuls the int8 graphs keep in fp32: none (default, fastest) or ffn-output (each layer's "
                + "feed-forward output projection: int8 changes fewer answers, at a third of the MatMul work in fp32)",
            DefaultValueFactory = _ => "none",
        };
        exclude.AcceptOnlyFromAmong("none", "ffn-output");
        var sentiment = new Option<FileInfo?>("--validation-sentiment")
        {
            Description = "Sentiment data (TSV/JSONL) for the int8 accuracy check",
        };
        var translate = new Option<FileInfo?>("--validation-translate")
        {
            Description = "Translation data (JSONL, or plain-text source) for the int8 BLEU check",
        };
        var translateTarget = new Option<FileInfo?>("--validation-translate-target")
        {
            Description = "Aligned plain-text references for --validation-translate",
        };
        var publish = new Option<FileInfo?>("--publish")
        {
            Description =
                "Then point this bundle pointer file at the new bundle (one atomic rename; serve's "
                + "Inference:BundlePath may name the pointer)",
        };
        var salienceData = new Option<FileInfo?>("--salience-data")
        {
            Description =
                "Then fit the bundle's sentence ranker on these documents with reference summaries (seq2seq JSONL; "
                + "what nlpmtl salience does), before --publish",
        };
        var maxExamples = new Option<int>("--max-validation-examples")
        {
            Description = "Validation examples used at most",
            DefaultValueFactory = _ => 500,
        };
        var command = new Command("export", "Write an ONNX model bundle from a trained checkpoint (parity-checked)")
        {
            checkpoint,
            output,
            quantize,
            exclude,
            sentiment,
            translate,
            translateTarget,
            maxExamples,
            salienceData,
            publish,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        var bundle = parse.GetValue(output)!.FullName;
                        var int8 = parse.GetValue(quantize) == "int8";
                        var exclusion =
                            parse.GetValue(exclude) == "ffn-output"
                                ? Int8Exclusion.FeedForwardOutput
                                : Int8Exclusion.None;
                        if (exclusion != Int8Exclusion.None && !int8)
                            throw new ArgumentException("--int8-exclude applies to int8 graphs: add --quantize int8");
                        // A missing ranker data file fails before the minutes of export, not after them.
                        if (parse.GetValue(salienceData) is { Exists: false } missing)
                            throw new FileNotFoundException($"{missing.FullName}: no such --salience-data file");
                        var manifest = BundleExporter.Export(
                            parse.GetValue(checkpoint)!.FullName,
                            bundle,
                            new BundleExportOptions
                            {
                                QuantizeInt8 = int8,
                                Int8Exclude = exclusion,
                                ValidationSentiment = parse.GetValue(sentiment)?.FullName,
                                ValidationTranslate = parse.GetValue(translate)?.FullName,
                                ValidationTranslateTarget = parse.GetValue(translateTarget)?.FullName,
                                MaxValidationExamples = parse.GetValue(maxExamples),
                                Log = line => Console.WriteLine($"export: {line}"),
                            }
                        );
                        var parity = manifest.Parity;
                        Console.WriteLine(
                            "Bundle with "
                                + (
                                    manifest.Tasks.Count == 0
                                        ? "the encoder only (no task heads)"
                                        : string.Join(", ", manifest.Tasks)
                                )
                                + $"; parity on {parity.Inputs} inputs: hidden max |Δ| {parity.EncoderHiddenMaxAbs:E2}"
                                + string.Concat(
                                    parity.Decoders.Select(d =>
                                        $"; {d.Key} step logits {d.Value.StepLogitsMaxAbs:E2}, greedy identical "
                                        + $"{d.Value.GreedyIdenticalFraction:P0}"
                                    )
                                )
                        );
                        foreach (var (name, delta) in manifest.Quantization?.Metrics ?? [])
                            Console.WriteLine(
                                $"  int8 {name}: fp32 {delta.Fp32:F2} → int8 {delta.Int8:F2} on {delta.Examples} "
                                    + $"examples, {delta.Identical:F1} % of outputs identical"
                            );
                        if (parse.GetValue(salienceData) is { } documents)
                        {
                            var fit = SalienceCommand.FitInto(bundle, documents.FullName, token);
                            Console.WriteLine(
                                fit is null
                                    ? SalienceCommand.KeptTrainedRanker
                                    : $"Sentence ranker fitted on {fit.TrainDocuments} documents: held-out ROUGE "
                                        + $"{100 * fit.HeldOutGain:F2} (first sentence "
                                        + $"{100 * fit.HeldOutFirstGain:F2}, best {100 * fit.HeldOutBestGain:F2})"
                            );
                        }
                        if (parse.GetValue(publish) is { } pointer)
                        {
                            BundlePointer.Publish(pointer.FullName, bundle);
                            Console.WriteLine($"{pointer.FullName} now points to {bundle}");
                        }
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
