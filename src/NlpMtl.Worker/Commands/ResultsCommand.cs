using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl results --out DIR</c>: downloads every result blob (and, with --poison, the poison records), each to its
/// own file in DIR (names: <see cref="ResultDownloader.LocalName"/>); blobs that fail are listed and the exit is 1.
/// </summary>
public static class ResultsCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Directory to write <job>.result.jsonl files to ('/' in job names becomes %2F)",
            Required = true,
        };
        var poison = new Option<bool>("--poison")
        {
            Description = "Also write poison records (<job>.error.json) under DIR/poison",
        };
        var command = new Command("results", "Download results (and optionally poison records)") { output, poison };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        using var host = QueueHostBuilder.BuildQueueOnly();
                        var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
                        var directory = parse.GetValue(output)!.FullName;
                        if (File.Exists(directory))
                            throw new IOException($"--out {directory} is a file; give a directory");
                        var results = await ResultDownloader.DownloadAsync(
                            queue.Results,
                            QueueNames.ResultSuffix,
                            directory,
                            token
                        );
                        var errors = parse.GetValue(poison)
                            ? await ResultDownloader.DownloadAsync(
                                queue.Poison,
                                QueueNames.ErrorSuffix,
                                Path.Combine(directory, "poison"),
                                token
                            )
                            : new ResultDownloader.Outcome(0, []);
                        var failed = results.Failed.Concat(errors.Failed).ToList();
                        foreach (var (blob, error) in failed)
                            await Console.Error.WriteLineAsync($"nlpmtl: could not download {blob}: {error}");
                        Console.WriteLine(
                            $"wrote {results.Written} result file(s)"
                                + (parse.GetValue(poison) ? $" and {errors.Written} poison record(s)" : "")
                                + $" to {directory}"
                                + (failed.Count > 0 ? $"; {failed.Count} failed" : "")
                        );
                        if (failed.Count > 0)
                            throw new IOException($"{failed.Count} blob(s) could not be downloaded (listed above)");
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
