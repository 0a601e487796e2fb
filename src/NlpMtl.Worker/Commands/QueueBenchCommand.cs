using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
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
        var rounds = new Option<int>("--rounds") { Description = "Alternating alone/queue rounds (timings on a shared machine drift)", DefaultValueFactory = _ => 2 };
        command.Options.Add(rounds);
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(async token =>
        {
            var documents = Documents(parse.GetValue(input)?.FullName, parse.GetValue(count), parse.GetValue(task)!);
            var jobs = documents.Chunk(parse.GetValue(perJob)).ToList();
            var settings = new Dictionary<string, string?> { ["Inference:BundlePath"] = parse.GetValue(bundle)!.FullName };
            if (parse.GetValue(concurrency) is { } jobsAtOnce) settings["Queue:MaxConcurrentJobs"] = jobsAtOnce.ToString();

            // One engine for every round; each round's host gets it as an instance (so the host does not dispose it).
            var loader = QueueHostBuilder.Create(quiet: true);
            loader.Configuration.AddInMemoryCollection(settings);
            loader.AddNlpMtlInference();
            using var engineHost = loader.Build();
            var processor = engineHost.Services.GetRequiredService<IDocumentProcessor>();
            await processor.ProcessAsync(documents.Take(64).ToList(), token); // warm-up

            TimeSpan aloneTotal = TimeSpan.Zero, queueTotal = TimeSpan.Zero;
            int jobsAtOnceUsed = 0, poisoned = 0;
            for (var round = 1; round <= parse.GetValue(rounds); round++)
            {
                var alone = Stopwatch.StartNew();
                await processor.ProcessAsync(documents, token);
                alone.Stop();

                var builder = QueueHostBuilder.Create(quiet: true);
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Queue:ContainerPrefix"] = $"bench{DateTime.UtcNow:HHmmss}r{round}{Random.Shared.Next(1000):D3}",
                });
                builder.AddNlpMtlWorker();
                builder.Services.AddSingleton(processor);
                using var host = builder.Build();
                var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
                jobsAtOnceUsed = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueOptions>>().Value.MaxConcurrentJobs;
                await queue.CreateIfNotExistsAsync(token);
                await Parallel.ForEachAsync(jobs.Select((docs, i) => (docs, i)), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = token },
                    async (job, ct) => await queue.EnqueueAsync($"job-{job.i:D5}.jsonl", Jsonl(job.docs), ct));

                // Count finished jobs from the worker's own metrics: polling storage would load the Azurite being measured.
                using var finished = new FinishedJobs(jobs.Count);
                var endToEnd = Stopwatch.StartNew();
                await host.StartAsync(token);
                await finished.Task.WaitAsync(token);
                endToEnd.Stop();
                await host.StopAsync(token);
                poisoned += (await queue.GetCountsAsync(token)).Poison;
                foreach (var container in new[] { queue.Inbox, queue.Results, queue.Poison }) await container.DeleteIfExistsAsync(cancellationToken: token);

                aloneTotal += alone.Elapsed;
                queueTotal += endToEnd.Elapsed;
                Console.WriteLine($"round {round}: processor alone {documents.Count / alone.Elapsed.TotalSeconds:F1} documents/s ({alone.Elapsed.TotalSeconds:F2} s), " +
                    $"through the queue {documents.Count / endToEnd.Elapsed.TotalSeconds:F1} documents/s ({endToEnd.Elapsed.TotalSeconds:F2} s)");
            }

            var runs = parse.GetValue(rounds) * documents.Count;
            Console.WriteLine($"documents: {documents.Count} ({parse.GetValue(task)}) x {parse.GetValue(rounds)} rounds, {jobs.Count} jobs of up to {parse.GetValue(perJob)}, " +
                $"{jobsAtOnceUsed} jobs at once, poisoned {poisoned}");
            Console.WriteLine($"processor alone: {runs / aloneTotal.TotalSeconds:F1} documents/s");
            Console.WriteLine($"through the queue: {runs / queueTotal.TotalSeconds:F1} documents/s (host start to last result blob)");
            Console.WriteLine($"ratio queue/alone: {aloneTotal / queueTotal:F2}");
        }, cancellationToken));
        return command;
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

    /// <summary>Completes when the worker's meter has counted <c>expected</c> completed or poisoned jobs.</summary>
    sealed class FinishedJobs : IDisposable
    {
        readonly MeterListener _listener = new();
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        long _count;

        public FinishedJobs(int expected)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkerMetrics.Name && instrument.Name is "nlpmtl.jobs.completed" or "nlpmtl.jobs.poisoned")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
            {
                if (Interlocked.Add(ref _count, value) >= expected) _done.TrySetResult();
            });
            _listener.Start();
        }

        public Task Task => _done.Task;
        public void Dispose() => _listener.Dispose();
    }
}
