using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlpMtl.Core.Data;
using NlpMtl.Queue;
using NlpMtl.Worker.Hosting;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl bench queue --bundle DIR</c>: documents/s end to end through the blob queue (enqueued jobs → serve
/// pipeline → result blobs) vs the same processor alone on the same documents, measured in one run. Storage comes from
/// configuration as for <c>serve</c> (scripts/bench-queue.sh starts an Azurite for it).
/// </summary>
public static class QueueBenchCommand
{
    public static Command Create()
    {
        var bundle = new Option<DirectoryInfo>("--bundle") { Description = "Model bundle (nlpmtl export)", Required = true };
        var input = new Option<FileInfo?>("--input") { Description = "Documents (predict input: JSONL {id,text} or .txt); default: samples/sentiment.tsv sentences" };
        var count = new Option<int>("--documents") { Description = "Documents to run (the input repeated as needed)", DefaultValueFactory = _ => 2048 };
        var perJob = new Option<int>("--per-job") { Description = "Documents per job blob", DefaultValueFactory = _ => 16 };
        var concurrency = new Option<int?>("--concurrency") { Description = "Queue:MaxConcurrentJobs for the run (default: configuration)" };
        var task = new Option<string>("--task") { Description = "Task to request for every document", DefaultValueFactory = _ => "sentiment" };
        var command = new Command("queue", "Documents/s through the blob queue vs the processor alone") { bundle, input, count, perJob, concurrency, task };
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(async token =>
        {
            var documents = Documents(parse.GetValue(input)?.FullName, parse.GetValue(count), parse.GetValue(task)!);
            var prefix = $"bench{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):D3}";
            var builder = QueueHostBuilder.Create(quiet: true);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Queue:ContainerPrefix"] = prefix,
                ["Inference:BundlePath"] = parse.GetValue(bundle)!.FullName,
            });
            if (parse.GetValue(concurrency) is { } jobsAtOnce)
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Queue:MaxConcurrentJobs"] = jobsAtOnce.ToString() });
            builder.AddNlpMtlWorker();
            builder.AddNlpMtlInference();
            using var host = builder.Build();
            var processor = host.Services.GetRequiredService<IDocumentProcessor>(); // loads the bundle
            var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();

            await processor.ProcessAsync(documents.Take(32).ToList(), token); // warm-up
            var alone = Stopwatch.StartNew();
            await processor.ProcessAsync(documents, token);
            alone.Stop();

            await queue.CreateIfNotExistsAsync(token);
            var jobs = documents.Chunk(parse.GetValue(perJob)).ToList();
            await Parallel.ForEachAsync(jobs.Select((docs, i) => (docs, i)), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = token },
                async (job, ct) => await queue.EnqueueAsync($"job-{job.i:D5}.jsonl", Jsonl(job.docs), ct));

            var endToEnd = Stopwatch.StartNew();
            await host.StartAsync(token);
            while (await CountAsync(queue, token) < jobs.Count) await Task.Delay(200, token);
            endToEnd.Stop();
            await host.StopAsync(token);
            var poisoned = (await queue.GetCountsAsync(token)).Poison;
            foreach (var container in new[] { queue.Inbox, queue.Results, queue.Poison }) await container.DeleteIfExistsAsync(cancellationToken: token);

            var aloneRate = documents.Count / alone.Elapsed.TotalSeconds;
            var queueRate = documents.Count / endToEnd.Elapsed.TotalSeconds;
            Console.WriteLine($"documents: {documents.Count} ({parse.GetValue(task)}), {jobs.Count} jobs of up to {parse.GetValue(perJob)}, " +
                $"{host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueOptions>>().Value.MaxConcurrentJobs} jobs at once, poisoned {poisoned}");
            Console.WriteLine($"processor alone: {aloneRate:F1} documents/s ({alone.Elapsed.TotalSeconds:F2} s)");
            Console.WriteLine($"through the queue: {queueRate:F1} documents/s ({endToEnd.Elapsed.TotalSeconds:F2} s, claim to last result blob)");
            Console.WriteLine($"ratio queue/alone: {queueRate / aloneRate:F2}");
        }, cancellationToken));
        return command;
    }

    /// <summary>Finished jobs (results + poison records), listing only those two containers to load storage little.</summary>
    static async Task<int> CountAsync(BlobWorkQueueClient queue, CancellationToken cancellationToken)
    {
        var finished = 0;
        await foreach (var _ in queue.Results.GetBlobsAsync(cancellationToken: cancellationToken)) finished++;
        await foreach (var blob in queue.Poison.GetBlobsAsync(cancellationToken: cancellationToken))
            if (blob.Name.EndsWith(QueueNames.ErrorSuffix, StringComparison.Ordinal)) finished++;
        return finished;
    }

    static List<JobDocument> Documents(string? path, int count, string task)
    {
        // Default: the sentences of the shipped SST-2 sample (run from the repository root).
        const string Sample = "samples/sentiment.tsv";
        if (path is null && !File.Exists(Sample)) throw new FileNotFoundException($"{Sample} not found here: pass --input FILE");
        var source = path is null
            ? File.ReadLines(Sample).Skip(1).Select((l, i) => new TextDocument($"s{i}", l.Split('\t')[0])).ToList()
            : DocumentReader.Read(path).ToList();
        if (source.Count == 0) throw new InvalidDataException("no documents to run");
        return [.. Enumerable.Range(0, count).Select(i => new JobDocument($"d{i}", source[i % source.Count].Text, [task]))];
    }

    static BinaryData Jsonl(IEnumerable<JobDocument> documents)
    {
        var text = new StringBuilder();
        foreach (var d in documents) text.Append(JsonSerializer.Serialize(new { id = d.Id, text = d.Text, tasks = d.Tasks })).Append('\n');
        return BinaryData.FromString(text.ToString());
    }
}
