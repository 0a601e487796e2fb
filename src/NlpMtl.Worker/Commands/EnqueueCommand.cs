using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl enqueue FILE…</c>: each file becomes one inbox job named after it; a name already waiting or done with
/// other content gets a versioned name (<see cref="BlobWorkQueueClient.SubmitAsync"/>) and the same content is not
/// sent twice. Each such case is one line on stderr; files that cannot be jobs are refused before any upload.
/// </summary>
public static class EnqueueCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("FILE")
        {
            Description = "Job files: JSON/JSONL of {\"id\",\"text\",\"tasks\"} or .txt (one document)",
            Arity = ArgumentArity.OneOrMore,
        };
        var unique = new Option<bool>("--unique")
        {
            Description =
                "Name every job after its content (NAME~HASH.ext), so each send of new content is its own job",
        };
        var command = new Command("enqueue", "Put job files in the inbox") { files, unique };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        using var host = QueueHostBuilder.BuildQueueOnly();
                        var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
                        var inputs = parse.GetValue(files)!;
                        // Every file is checked before the first upload: a typo does not leave half a batch enqueued.
                        foreach (var file in inputs)
                        {
                            if (Directory.Exists(file.FullName))
                                throw new IOException(
                                    $"{file.FullName} is a directory; give job files (e.g. "
                                        + $"{Path.Combine(file.FullName, "*.jsonl")})"
                                );
                            if (!file.Exists)
                                throw new FileNotFoundException($"{file.FullName}: no such file");
                            if (file.Length > queue.Options.MaxJobBytes)
                                throw new IOException(
                                    $"{file.FullName} is {file.Length:N0} bytes, over Queue:MaxJobBytes "
                                        + $"({queue.Options.MaxJobBytes:N0}); split it into smaller jobs"
                                );
                        }
                        await queue.CreateIfNotExistsAsync(token);
                        int added = 0,
                            skipped = 0;
                        foreach (var file in inputs)
                        {
                            var result = await queue.SubmitAsync(
                                file.Name,
                                BinaryData.FromBytes(await File.ReadAllBytesAsync(file.FullName, token)),
                                parse.GetValue(unique),
                                token
                            );
                            var note = result.Outcome switch
                            {
                                SubmitOutcome.AddedUnderNewName =>
                                    $"{file.Name} is waiting or done with other content; enqueued as {result.Name}",
                                SubmitOutcome.AlreadyWaiting =>
                                    $"{result.Name} is already waiting with the same content; skipped",
                                SubmitOutcome.AlreadyDone => $"{result.Name} was done already with the same content "
                                    + $"({QueueNames.ResultOf(result.Name)}); skipped",
                                _ => null,
                            };
                            if (note is not null)
                                await Console.Error.WriteLineAsync($"nlpmtl: {note}");
                            if (result.Outcome is SubmitOutcome.Added or SubmitOutcome.AddedUnderNewName)
                                added++;
                            else
                                skipped++;
                        }
                        Console.WriteLine(
                            $"enqueued {added} job(s) in {queue.Inbox.Name}"
                                + (skipped > 0 ? $", {skipped} skipped (same content waiting or done)" : "")
                        );
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
