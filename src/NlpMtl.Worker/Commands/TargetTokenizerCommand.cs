using System.CommandLine;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl target-tokenizer --targets FILE... --out DIR</c>: builds a translation head's target vocabulary (the
/// trimmed byte-level BPE of <see cref="TargetTokenizer"/>) from the training targets, as tokenizers/ holds them.
/// </summary>
public static class TargetTokenizerCommand
{
    public static Command Create()
    {
        var targets = new Option<FileInfo[]>("--targets")
        {
            Description = "Training target files, one target a line; all are counted together",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for target_tokenizer.json and kept_tokens.tsv",
            Required = true,
        };
        var minCount = new Option<int>("--min-count")
        {
            Description = "Keep a base token only if the targets use it at least this often",
            DefaultValueFactory = _ => new TargetTokenizerOptions().MinCount,
        };
        var command = new Command("target-tokenizer", "Build a translation target vocabulary from training targets")
        {
            targets,
            output,
            minCount,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    _ =>
                    {
                        var files = parse.GetValue(targets)!.Select(f => f.FullName).ToList();
                        var directory = parse.GetValue(output)!.FullName;
                        var stats = TargetTokenizer.BuildAndSave(
                            files,
                            directory,
                            new TargetTokenizerOptions { MinCount = parse.GetValue(minCount) }
                        );
                        Console.WriteLine(
                            $"{stats.VocabSize} ids ({stats.Lines} lines, {stats.TokensPerLine:F2} tokens a line, "
                                + $"{stats.RoundTripFailures} round-trip failures) → {directory}"
                        );
                        return stats.RoundTripFailures == 0
                            ? Task.CompletedTask
                            : throw new InvalidDataException(
                                $"{directory}: {stats.RoundTripFailures} lines do not decode to themselves"
                            );
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
