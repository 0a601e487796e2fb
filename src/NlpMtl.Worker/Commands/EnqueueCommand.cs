using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl enqueue FILE…</c>: each file becomes one inbox job named after it (never overwriting a waiting job).</summary>
public static class EnqueueCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "Job files: JSON/JSONL of {\"id\",\"text\",\"tasks\"} or .txt (one document)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("enqueue", "Put job files in the inbox") { files };
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(async token =>
        {
            using var host = QueueHostBuilder.BuildQueueOnly();
            var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
            await queue.CreateIfNotExistsAsync(token);
            int added = 0, skipped = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                if (!file.Exists) throw new FileNotFoundException($"{file.FullName}: no such file");
                await using var content = file.OpenRead();
                if (await queue.EnqueueAsync(file.Name, await BinaryData.FromStreamAsync(content, token), token)) added++;
                else
                {
                    skipped++;
                    await Console.Error.WriteLineAsync($"nlpmtl: {file.Name} is already waiting in {queue.Inbox.Name}; skipped");
                }
            }
            Console.WriteLine($"enqueued {added} job(s) in {queue.Inbox.Name}" + (skipped > 0 ? $", {skipped} already there" : ""));
        }, cancellationToken));
        return command;
    }
}
