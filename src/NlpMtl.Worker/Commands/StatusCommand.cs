using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl status</c>: inbox (and how many leased), results and poison counts as one JSON line.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show queue counts: inbox (leased), results, poison");
        command.SetAction(
            (_, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        using var host = QueueHostBuilder.BuildQueueOnly();
                        var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
                        await queue.CreateIfNotExistsAsync(token);
                        var counts = await queue.GetCountsAsync(token);
                        Console.WriteLine(
                            JsonSerializer.Serialize(counts, new JsonSerializerOptions(JsonSerializerDefaults.Web))
                        );
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
