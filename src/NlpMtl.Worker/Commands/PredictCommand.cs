using System.CommandLine;
using System.Diagnostics;
using NlpMtl.Inference.Files;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl predict --bundle DIR --task sentiment|summarize|translate --input FILE --output FILE</c>: batch
/// predictions without the queue. Input: JSONL <c>{"id","text"}</c> or .txt (one document per line, id = line number);
/// output: one JSONL line per input, in input order (docs/contracts.md).
/// </summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var arguments = new InferenceArguments();
        var task = InferenceArguments.TaskOption();
        var input = new Option<FileInfo>("--input")
        {
            Description = "Documents: .jsonl ({\"id\",\"text\"} per line) or .txt (one per line)",
            Required = true,
        };
        var output = new Option<FileInfo>("--output")
        {
            Description = "JSONL predictions, one line per input in input order",
            Required = true,
        };
        var command = new Command("predict", "Batch predictions from a model bundle, no queue") { task, input, output };
        arguments.AddTo(command);
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        var name = parse.GetValue(task)!;
                        var watch = Stopwatch.StartNew();
                        // a bad input fails before the bundle loads (and logs)
                        var documents = PredictionFile.Check(parse.GetValue(input)!.FullName);
                        using var engine = arguments.Load(parse, name);
                        var count = PredictionFile.Run(
                            engine,
                            name,
                            parse.GetValue(input)!.FullName,
                            parse.GetValue(output)!.FullName,
                            arguments.Batching(parse),
                            checkedDocuments: documents,
                            cancellationToken: token
                        );
                        Console.WriteLine(
                            $"Predicted {count} documents ({name}) in {watch.Elapsed.TotalSeconds:F1} s → "
                                + $"{parse.GetValue(output)!.FullName}"
                        );
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
