using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl results --out DIR</c>: downloads every result blob (and, with --poison, the poison records).</summary>
public static class ResultsCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write <job>.result.jsonl files to", Required = true };
        var poison = new Option<bool>("--poison") { Description = "Also write poison records (<job>.error.json) under DIR/poison" };
        var command = new Command("results", "Download results (and optionally poison records)") { output, poison };
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(async token =>
        {
            using var host = QueueHostBuilder.BuildQueueOnly();
            var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
            var directory = parse.GetValue(output)!.FullName;
            var results = await ResultDownloader.DownloadAsync(queue.Results, QueueNames.ResultSuffix, directory, token);
            var errors = parse.GetValue(poison)
                ? await ResultDownloader.DownloadAsync(queue.Poison, QueueNames.ErrorSuffix, Path.Combine(directory, "poison"), token)
                : 0;
            Console.WriteLine($"wrote {results} result file(s)" + (parse.GetValue(poison) ? $" and {errors} poison record(s)" : "") + $" to {directory}");
        }, cancellationToken));
        return command;
    }
}
