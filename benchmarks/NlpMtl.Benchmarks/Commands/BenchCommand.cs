using System.CommandLine;
using NlpMtl.Core.Hardware;
using NlpMtl.Modeling.Bert;
using NlpMtl.Training;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Benchmarks.Commands;

/// <summary><c>nlpmtl-bench …</c> (<c>scripts/bench …</c> from a checkout): benchmarks that print ratios measured in
/// one run.</summary>
public static class BenchCommand
{
    public static RootCommand Create()
    {
        var command = new RootCommand(
            "nlpmtl-bench: NlpMtl's benchmarks (each prints the ratios it measured in one run)"
        );
        command.Subcommands.Add(Training());
        command.Subcommands.Add(QueueBenchCommand.Create());
        command.Subcommands.Add(ExportBenchCommand.Create());
        command.Subcommands.Add(InferenceBenchCommand.Create());
        command.Subcommands.Add(TokenizeBenchCommand.Create());
        return command;
    }

    static Command Training()
    {
        var config = new Option<FileInfo>("--config")
        {
            Description = "Training config whose tasks and batches to time",
            Required = true,
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Timed training steps (after 3 warm-up steps)",
            DefaultValueFactory = _ => 30,
        };
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "Scratch directory (the pretrained checkpoint is written here)",
        };
        var data = DataRootOption.Create();
        var attentionDropout = new Option<double?>("--attention-dropout")
        {
            Description = "Overrides the config's attention_dropout (0: PyTorch's fused CPU attention)",
        };
        // The goal for the fp32 path is measured on every CPU, also where auto would choose bf16.
        var precisionOverride = new Option<string?>("--precision")
        {
            Description = "Overrides the config's precision: auto, fp32 or bf16",
        };
        precisionOverride.AcceptOnlyFromAmong(MixedPrecision.Auto, MixedPrecision.Float32, MixedPrecision.BFloat16);
        var command = new Command("training", "Training tokens/s and the fraction of the fp32 GEMM peak it uses")
        {
            config,
            data,
            steps,
            output,
            attentionDropout,
            precisionOverride,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    _ =>
                    {
                        var scratch = parse.GetValue(output)?.FullName
                            ?? Path.Combine(Path.GetTempPath(), "nlpmtl-bench");
                        var loaded = TrainingConfig.Load(
                            parse.GetValue(config)!.FullName,
                            parse.GetValue(data)?.FullName
                        );
                        if (parse.GetValue(attentionDropout) is { } dropout)
                            loaded = loaded with { AttentionDropout = dropout };
                        if (parse.GetValue(precisionOverride) is { } chosen)
                            loaded = loaded with { Precision = chosen };
                        Console.WriteLine($"cpu: {CpuDescription.Current}");
                        var threads = TrainingSetup.UseThreads(loaded);
                        var precision = PrecisionChoice.Resolve(loaded.Precision);
                        Console.WriteLine($"{precision.Reason}; {threads} threads");
                        var report = TrainingBenchmark.Run(
                            loaded,
                            new TrainerOptions { OutputDirectory = scratch },
                            precision,
                            parse.GetValue(steps)
                        );
                        Console.WriteLine(
                            $"fp32 GEMM peak (TorchSharp MatMul 4096x384x1536, median between steps): "
                                + $"{report.PeakGflops:F1} GFLOP/s"
                        );
                        if (report.ComputePeakGflops is { } low)
                            Console.WriteLine(
                                $"{precision.Name} GEMM peak (the same MatMul in the products' type): {low:F1} GFLOP/s"
                            );
                        Console.WriteLine(
                            $"training: {report.StepsPerSecond:F2} steps/s, {report.TokensPerSecond:F0} tokens/s "
                                + $"({report.PaddedTokensPerSecond:F0} incl. padding), {report.TrainingGflops:F1} "
                                + $"GFLOP/s"
                        );
                        foreach (var task in report.StepsByTask.Keys.Order(StringComparer.Ordinal))
                        {
                            var step = report.AverageStep(task);
                            Console.WriteLine(
                                $"  {task}: {step.Total:F3} s/step (forward {step.Forward:F3}, backward "
                                    + $"{step.Backward:F3}, clipping + AdamW {step.Optimizer:F3}), "
                                    + $"{step.Flops / 1e9:F1} GFLOP/step = {report.TaskGflops(task):F1} GFLOP/s "
                                    + $"({report.TaskGflops(task) / report.PeakGflops:P0} of the fp32 peak)"
                            );
                        }
                        Console.WriteLine($"clipping + AdamW share of step time: {report.OptimizerShare:P1}");
                        Console.WriteLine($"utilisation of the fp32 GEMM peak: {report.Utilisation:P1}");
                        if (report.ComputePeakGflops is { } computePeak)
                            Console.WriteLine(
                                $"utilisation of the {precision.Name} GEMM peak: "
                                    + $"{report.TrainingGflops / computePeak:P1}"
                            );
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
