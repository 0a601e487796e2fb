using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlpMtl.Core.Data;
using NlpMtl.Queue;
using NlpMtl.Worker.Commands;
using NlpMtl.Worker.Hosting;

namespace NlpMtl.Benchmarks.Commands;

/// <summary>
/// <c>nlpmtl-bench queue --bundle DIR</c>: documents/s end to end through the blob queue (enqueued jobs → serve
/// pipeline → result blobs) vs the same processor alone on the same documents, measured in one run. Storage comes from
/// configuration as for <c>serve</c> (scripts/bench-queue.sh starts an Azurite for it).
/// </summary>
public static class QueueBenchCommand
{
    public static Command Create()
    {
        var bundle = new Option<DirectoryInfo>("--bundle")
        {
            Description = "Model bundle (nlpmtl export)",
            Required = true,
        };
        var input = new Option<FileInfo?>("--input")
        {
            Description =
                "Documents (predict input: JSONL {id,text} or .txt); default: samples/sentiment.tsv sentences",
        };
        var count = new Option<int>("--documents")
        {
            Description = "Documents per round (the input repeated as needed)",
            DefaultValueFactory = _ => 4096,
        };
        var perJob = new Option<int>("--per-job")
        {
            Description = "Documents per job blob",
            DefaultValueFactory = _ => 64,
        };
        var concurrency = new Option<int?>("--concurrency")
        {
            Description = "Queue:MaxConcurrentJobs for the run (default: configuration)",
        };
        var task = new Option<string>("--task")
        {
            Description = "Task to request for every document",
            DefaultValueFactory = _ => "sentiment",
        };
        var command = new Command("queue", "Documents/s through the blob queue vs the processor alone")
        {
            bundle,
            input,
            count,
            perJob,
            concurrency,
            task,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description =
                "Timed alternating alone/queue rounds, after one untimed warm-up round of each (timings on a "
                + "shared machine drift)",
            DefaultValueFactory = _ => 6,
        };
        var jobByJob = new Option<bool>("--job-by-job")
        {
            Description = "Also time the processor fed one job's documents at a time, without storage (splits the gap)",
        };
        var emulator = new Option<int?>("--emulator-pid")
        {
            Description = "Process id of the storage emulator, to report the CPU it takes (Linux)",
        };
        command.Options.Add(rounds);
        command.Options.Add(emulator);
        command.Options.Add(jobByJob);
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        Console.WriteLine($"cpu: {NlpMtl.Core.Hardware.CpuDescription.Current}");
                        var documents = Documents(
                            parse.GetValue(input)?.FullName,
                            parse.GetValue(count),
                            parse.GetValue(task)!
                        );
                        var jobs = documents.Chunk(parse.GetValue(perJob)).ToList();
                        var settings = new Dictionary<string, string?>
                        {
                            ["Inference:BundlePath"] = parse.GetValue(bundle)!.FullName,
                        };
                        if (parse.GetValue(concurrency) is { } jobsAtOnce)
                            settings["Queue:MaxConcurrentJobs"] = jobsAtOnce.ToString();

                        // One engine for every round; each round's host gets it as an instance (so the host does not
                        // dispose it).
                        var loader = QueueHostBuilder.Create(quiet: true);
                        loader.Configuration.AddInMemoryCollection(settings);
                        loader.AddNlpMtlInference();
                        using var engineHost = loader.Build();
                        var processor = engineHost.Services.GetRequiredService<IDocumentProcessor>();

                        TimeSpan aloneTotal = TimeSpan.Zero,
                            queueTotal = TimeSpan.Zero,
                            emulatorTotal = TimeSpan.Zero;
                        var ratios = new List<double>();
                        int jobsAtOnceUsed = 0,
                            poisoned = 0;
                        // Round 0 warms both paths up (JIT, ORT shapes, HTTP connections, Azurite) and is not counted.
                        using var engine = new EngineBatches();
                        for (var round = 0; round <= parse.GetValue(rounds); round++)
                        {
                            var beforeAlone = engine.Now;
                            var alone = Stopwatch.StartNew();
                            await processor.ProcessAsync(documents, token);
                            alone.Stop();
                            var aloneBatches = engine.Now - beforeAlone;
                            if (parse.GetValue(jobByJob))
                            {
                                // The engine fed as the queue feeds it (a job's documents at a time, as many jobs at
                                // once as the worker runs) but without storage: splits the gap into what batching costs
                                // and what storage costs.
                                var beforeJobByJob = engine.Now;
                                var jobByJobWatch = Stopwatch.StartNew();
                                await Parallel.ForEachAsync(
                                    jobs,
                                    new ParallelOptions
                                    {
                                        MaxDegreeOfParallelism = JobsAtOnce(engineHost.Services),
                                        CancellationToken = token,
                                    },
                                    async (job, ct) => await processor.ProcessAsync(job, ct)
                                );
                                Console.WriteLine(
                                    $"  processor fed job by job, no storage: "
                                        + $"{documents.Count / jobByJobWatch.Elapsed.TotalSeconds:F1} documents/s "
                                        + $"({jobByJobWatch.Elapsed.TotalSeconds:F2} s, {engine.Now - beforeJobByJob})"
                                );
                            }

                            var builder = QueueHostBuilder.Create(quiet: true);
                            builder.Configuration.AddInMemoryCollection(settings);
                            builder.Configuration.AddInMemoryCollection(
                                new Dictionary<string, string?>
                                {
                                    ["Queue:ContainerPrefix"] =
                                        $"bench{DateTime.UtcNow:HHmmss}r{round}{Random.Shared.Next(1000):D3}",
                                }
                            );
                            builder.AddNlpMtlWorker();
                            builder.Services.AddSingleton(processor);
                            using var host = builder.Build();
                            var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
                            jobsAtOnceUsed = JobsAtOnce(host.Services);
                            await queue.CreateIfNotExistsAsync(token);
                            await Parallel.ForEachAsync(
                                jobs.Select((docs, i) => (docs, i)),
                                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = token },
                                async (job, ct) =>
                                    await queue.EnqueueAsync($"job-{job.i:D5}.jsonl", JobDocument.ToJsonl(job.docs), ct)
                            );

                            // Count finished jobs from the worker's own metrics: polling storage would load the Azurite
                            // being measured.
                            using var finished = new FinishedJobs(jobs.Count);
                            var emulatorBefore = EmulatorCpu(parse.GetValue(emulator));
                            var beforeQueue = engine.Now;
                            var endToEnd = Stopwatch.StartNew();
                            await host.StartAsync(token);
                            await finished.Task.WaitAsync(token);
                            endToEnd.Stop();
                            var emulatorCpu = EmulatorCpu(parse.GetValue(emulator)) - emulatorBefore;
                            var queueBatches = engine.Now - beforeQueue;
                            await host.StopAsync(token);
                            poisoned += (await queue.GetCountsAsync(token)).Poison;
                            foreach (var container in new[] { queue.Inbox, queue.Results, queue.Poison })
                                await container.DeleteIfExistsAsync(cancellationToken: token);

                            if (round == 0)
                            {
                                Console.WriteLine(
                                    $"warm-up round: alone {alone.Elapsed.TotalSeconds:F2} s, through the queue "
                                        + $"{endToEnd.Elapsed.TotalSeconds:F2} s (not counted)"
                                );
                                continue;
                            }
                            aloneTotal += alone.Elapsed;
                            queueTotal += endToEnd.Elapsed;
                            emulatorTotal += emulatorCpu;
                            ratios.Add(alone.Elapsed / endToEnd.Elapsed);
                            Console.WriteLine(
                                $"round {round}: processor alone "
                                    + $"{documents.Count / alone.Elapsed.TotalSeconds:F1} documents/s "
                                    + $"({alone.Elapsed.TotalSeconds:F2} s, {aloneBatches}), "
                                    + $"through the queue {documents.Count / endToEnd.Elapsed.TotalSeconds:F1} "
                                    + $"documents/s ({endToEnd.Elapsed.TotalSeconds:F2} s, {queueBatches}"
                                    + (
                                        parse.GetValue(emulator) is null
                                            ? ""
                                            : $", emulator CPU {emulatorCpu.TotalSeconds:F2} s"
                                    )
                                    + $") -> {ratios[^1]:F2}"
                            );
                        }

                        var runs = parse.GetValue(rounds) * documents.Count;
                        Console.WriteLine(
                            $"documents: {documents.Count} ({parse.GetValue(task)}) x {parse.GetValue(rounds)} "
                                + $"rounds, {jobs.Count} jobs of up to {parse.GetValue(perJob)}, "
                                + $"{jobsAtOnceUsed} jobs at once, poisoned {poisoned}"
                        );
                        Console.WriteLine(
                            $"processor alone: {runs / aloneTotal.TotalSeconds:F1} documents/s; through the "
                                + $"queue: {runs / queueTotal.TotalSeconds:F1} documents/s (host start to last "
                                + $"result blob)"
                        );
                        if (parse.GetValue(emulator) is not null)
                            Console.WriteLine(
                                $"storage emulator: {emulatorTotal.TotalSeconds:F1} CPU s in the queue rounds = "
                                    + $"{emulatorTotal / (queueTotal * Environment.ProcessorCount):P1} of this "
                                    + $"machine's {Environment.ProcessorCount} cores (remote storage in a deployment)"
                            );
                        // Each round's pair runs back to back, so its ratio sees one state of a shared machine; the
                        // median drops the rounds a neighbour disturbed.
                        ratios.Sort();
                        var median =
                            ratios.Count % 2 == 1
                                ? ratios[ratios.Count / 2]
                                : (ratios[ratios.Count / 2 - 1] + ratios[ratios.Count / 2]) / 2;
                        Console.WriteLine(
                            $"ratio queue/alone: {median:F2} median of rounds (goal >= 0.9); "
                                + $"{aloneTotal / queueTotal:F2} over all rounds"
                        );
                    },
                    cancellationToken
                )
        );
        return command;
    }

    static int JobsAtOnce(IServiceProvider services) =>
        services.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueOptions>>().Value.MaxConcurrentJobs;

    /// <summary>User + system CPU time of a process so far (Linux /proc; zero elsewhere or without a pid).</summary>
    static TimeSpan EmulatorCpu(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
            return TimeSpan.Zero;
        // Fields after the parenthesised command name: utime and stime are the 12th and 13th, in clock ticks (USER_HZ =
        // 100).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
    }

    static List<JobDocument> Documents(string? path, int count, string task)
    {
        // Default: the sentences of the shipped SST-2 sample (run from the repository root).
        const string sample = "samples/sentiment.tsv";
        if (path is null && !File.Exists(sample))
            throw new FileNotFoundException($"{sample} not found here: pass --input FILE");
        var source = path is null
            ? DatasetReader.ReadSentiment(sample).Select(e => e.Text).ToList()
            : DocumentReader.Read(path).Select(d => d.Text).ToList();
        if (source.Count == 0)
            throw new InvalidDataException("no documents to run");
        return [.. Enumerable.Range(0, count).Select(i => new JobDocument($"d{i}", source[i % source.Count], [task]))];
    }

    /// <summary>Completes when the worker's meter has counted <c>expected</c> completed or poisoned jobs.</summary>
    sealed class FinishedJobs : IDisposable
    {
        readonly MeterListener listener = new();
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        long count;

        public FinishedJobs(int expected)
        {
            listener.InstrumentPublished = (instrument, listener) =>
            {
                if (
                    instrument.Meter.Name == WorkerMetrics.Name
                    && instrument.Name is "nlpmtl.jobs.completed" or "nlpmtl.jobs.poisoned"
                )
                    listener.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>(
                (_, value, _, _) =>
                {
                    if (Interlocked.Add(ref count, value) >= expected)
                        done.TrySetResult();
                }
            );
            listener.Start();
        }

        public Task Task => done.Task;

        public void Dispose() => listener.Dispose();
    }

    /// <summary> The engine's batches as the worker's meter reports them (count, documents, engine time), for both
    /// paths: how long the engine was busy (the rest of the wall time it waited for the queue) and how full its batches
    /// were. </summary>
    sealed class EngineBatches : IDisposable
    {
        public readonly record struct Totals(long Batches, long Documents, double Seconds)
        {
            public static Totals operator -(Totals a, Totals b) =>
                new(a.Batches - b.Batches, a.Documents - b.Documents, a.Seconds - b.Seconds);

            public override string ToString() =>
                $"engine busy {Seconds:F2} s in {Batches} batches of "
                + $"{(Batches == 0 ? 0 : (double)Documents / Batches):F1} documents";
        }

        readonly MeterListener listener = new();
        Totals totals;

        public EngineBatches()
        {
            listener.InstrumentPublished = (instrument, listener) =>
            {
                if (
                    instrument.Meter.Name == WorkerMetrics.Name
                    && instrument.Name is "nlpmtl.batch.size" or "nlpmtl.batch.duration"
                )
                    listener.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<int>(
                (_, documents, _, _) =>
                {
                    lock (listener)
                        totals = totals with { Batches = totals.Batches + 1, Documents = totals.Documents + documents };
                }
            );
            listener.SetMeasurementEventCallback<double>(
                (_, seconds, _, _) =>
                {
                    lock (listener)
                        totals = totals with { Seconds = totals.Seconds + seconds };
                }
            );
            listener.Start();
        }

        public Totals Now
        {
            get
            {
                lock (listener)
                    return totals;
            }
        }

        public void Dispose() => listener.Dispose();
    }
}
