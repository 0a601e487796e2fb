using System.CommandLine;
using NlpMtl.Benchmarks;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Benchmarks.Commands;

/// <summary><c>nlpmtl-bench tokenize --tokenizer PATH --input FILE</c>: encoder tokenizer throughput on one
/// thread.</summary>
public static class TokenizeBenchCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<DirectoryInfo>("--tokenizer")
        {
            Description = "Checkpoint or tokenizer folder (vocab.txt, tokenizer.json)",
            Required = true,
        };
        var input = new Option<FileInfo>("--input")
        {
            Description = "Texts to encode: .jsonl with a \"text\" field or .txt, one per line",
            Required = true,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Timed passes over the input after one warm-up pass",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("tokenize", "Encoder tokenizer tokens/s on one thread") { tokenizer, input, rounds };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    _ =>
                    {
                        TokenizeBenchmark
                            .FromFiles(
                                parse.GetValue(tokenizer)!.FullName,
                                parse.GetValue(input)!.FullName,
                                parse.GetValue(rounds),
                                Console.WriteLine
                            )
                            .Run();
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
