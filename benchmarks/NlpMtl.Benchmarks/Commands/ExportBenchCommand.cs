using System.CommandLine;
using NlpMtl.Onnx;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Benchmarks.Commands;

/// <summary><c>nlpmtl-bench export --checkpoint DIR</c>: the exported graph variants (fp32, int8 forms, fused ops)
/// timed in one run.</summary>
public static class ExportBenchCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint")
        {
            Description = "Trained multi-task checkpoint",
            Required = true,
        };
        var batch = new Option<int>("--batch") { Description = "Encoder batch size", DefaultValueFactory = _ => 32 };
        var tokens = new Option<int>("--tokens")
        {
            Description = "Padded encoder sequence length",
            DefaultValueFactory = _ => 64,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ORT intra-op threads (0 = one per core)",
            DefaultValueFactory = _ => 0,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Interleaved timing rounds (best counts)",
            DefaultValueFactory = _ => 10,
        };
        var shortestRow = new Option<double>("--shortest-row")
        {
            Description =
                "Encoder rows get random lengths from this fraction of --tokens up to --tokens (1 = no padding)",
            DefaultValueFactory = _ => 0.75,
        };
        var noDecoders = new Option<bool>("--encoder-only") { Description = "Skip the decoder step graphs" };
        var only = new Option<string?>("--only")
        {
            Description =
                "Comma-separated name fragments of the variants to time besides fp32 (e.g. "
                + "fused,DynamicQuantizeMatMul)",
        };
        var command = new Command("export", "Encoder seq/s and decoder steps/s of fp32, int8 and fused-operator graphs")
        {
            checkpoint,
            batch,
            tokens,
            shortestRow,
            threads,
            rounds,
            noDecoders,
            only,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    _ =>
                    {
                        Console.WriteLine($"cpu: {NlpMtl.Core.Hardware.CpuDescription.Current}");
                        var settings = new ExportBenchmark.Settings(
                            parse.GetValue(batch),
                            parse.GetValue(tokens),
                            parse.GetValue(threads),
                            parse.GetValue(rounds),
                            Decoders: !parse.GetValue(noDecoders),
                            Only: parse.GetValue(only),
                            ShortestRow: parse.GetValue(shortestRow)
                        );
                        ExportBenchmark.Run(parse.GetValue(checkpoint)!.FullName, settings, Console.WriteLine);
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
