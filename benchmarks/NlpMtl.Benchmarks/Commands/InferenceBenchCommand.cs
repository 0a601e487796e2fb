using System.CommandLine;
using NlpMtl.Benchmarks;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Benchmarks.Commands;

/// <summary><c>nlpmtl-bench inference --bundle DIR</c>: serving speed-ups, each a ratio measured in one run.</summary>
public static class InferenceBenchCommand
{
    public static Command Create()
    {
        var bundle = new Option<DirectoryInfo>("--bundle")
        {
            Description = "Model bundle (MiniLM-based for the original-model comparison; int8 for the int8 line)",
            Required = true,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime intra-op threads, the same for every variant (0 = one per core)",
            DefaultValueFactory = _ => 0,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Interleaved timing rounds; each variant's best counts",
            DefaultValueFactory = _ => 3,
        };
        var command = new Command(
            "inference",
            "Encoder vs original MiniLM and vs the MatMul peak, int8 vs fp32, dynamic batching, KV cache, one "
                + "encoding for all tasks"
        )
        {
            bundle,
            threads,
            rounds,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    _ =>
                    {
                        Console.WriteLine($"cpu: {NlpMtl.Core.Hardware.CpuDescription.Current}");
                        new InferenceBenchmark(
                            parse.GetValue(bundle)!.FullName,
                            parse.GetValue(threads),
                            parse.GetValue(rounds),
                            Console.WriteLine
                        ).Run();
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
