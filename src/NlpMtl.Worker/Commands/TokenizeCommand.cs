using System.CommandLine;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl tokenize --tokenizer PATH --input FILE --output FILE</c>: the ids and tokens the encoder sees for each
/// document, so a user can check the model's input (and compare it with HF tokenizers).
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "A tokenizer.json, a checkpoint folder or a model bundle",
            Required = true,
        };
        var input = new Option<FileInfo>("--input")
        {
            Description = "Documents as predict reads them: .jsonl ({\"id\",\"text\"} per line) or .txt (one per line)",
            Required = true,
        };
        var output = new Option<FileInfo>("--output")
        {
            Description = "JSONL, one {\"id\",\"ids\",\"tokens\"} per input in input order",
            Required = true,
        };
        var command = new Command(
            "tokenize",
            "Write the encoder's token ids and tokens for each document ([CLS]/[SEP] included, nothing truncated)"
        )
        {
            tokenizer,
            input,
            output,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        var loaded = BertInputTokenizer.FromCheckpoint(parse.GetValue(tokenizer)!, int.MaxValue);
                        var count = TokenizationFile.Run(
                            loaded,
                            parse.GetValue(input)!.FullName,
                            parse.GetValue(output)!.FullName,
                            token
                        );
                        Console.WriteLine($"Tokenized {count} documents → {parse.GetValue(output)!.FullName}");
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
