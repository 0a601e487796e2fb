using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlpMtl.Core;
using NlpMtl.Core.Data;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Pretrained;
using NlpMtl.Onnx;
using NlpMtl.Queue;
using NlpMtl.Training;
using NlpMtl.Worker.Commands;
using NlpMtl.Worker.Emulator;
using NlpMtl.Worker.Hosting;
using Spectre.Console;

namespace NlpMtl.Worker.Demo;

/// <summary> <c>nlpmtl demo</c>: the whole product on embedded defaults — blob storage (an Azurite it starts, or
/// --storage), the pretrained all-MiniLM-L6-v2 checkpoint, a short fine-tune of all three heads on the shipped samples,
/// export with parity, then the sample documents through the blob queue and the hosted worker — printing each
/// document's sentiment, summary and German translation. Everything it starts it stops; everything it writes is under
/// <see cref="DemoOptions.WorkDirectory"/>. </summary>
public sealed class DemoRunner(DemoOptions options)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var work = Directory.CreateDirectory(options.WorkDirectory).FullName;
        var run = Path.Combine(work, "train");
        var bundle = Path.Combine(work, "bundle");
        if (Directory.Exists(bundle))
            Directory.Delete(bundle, recursive: true); // a rerun exports afresh

        Step(1, "Blob storage for the queue");
        await using var azurite = options.StorageConnectionString is null
            ? await StartAzuriteAsync(cancellationToken)
            : null;
        var connectionString = options.StorageConnectionString ?? azurite!.ConnectionString;
        AnsiConsole.MarkupLineInterpolated(
            $"  {(azurite is null ? "the storage given by --storage" : $"Azurite on 127.0.0.1:{azurite.Port}")}"
        );

        Step(2, "Pretrained all-MiniLM-L6-v2 → HF checkpoint");
        // the trainer's base_model "pretrained" reads it from here
        var written = PretrainedCheckpointWriter.WriteMiniLm(Path.Combine(run, "pretrained"));
        AnsiConsole.MarkupLineInterpolated($"  {written.Tensors} tensors → {Path.Combine(run, "pretrained")}");

        Step(3, "Multi-task fine-tune (sentiment + summarize + translate) on the shipped samples");
        var config = TrainingConfig.Load(options.ConfigPath);
        var result = new Trainer(config, new TrainerOptions { OutputDirectory = run, MaxSteps = options.MaxSteps }).Run(
            cancellationToken
        );
        cancellationToken.ThrowIfCancellationRequested();
        AnsiConsole.MarkupLineInterpolated(
            $"  {result.Steps} steps, {result.TokensPerSecond:F0} tokens/s; curves in {Path.Combine(run, "curves.png")}"
        );

        Step(4, "Export to an ONNX bundle, verified against TorchSharp");
        // The exporter logs the parity it measured (and fails the demo if it misses).
        BundleExporter.Export(
            Path.Combine(run, "best"),
            bundle,
            new BundleExportOptions { Log = line => AnsiConsole.MarkupLineInterpolated($"  [grey]{line}[/]") }
        );

        Step(5, "Enqueue the sample documents and serve them from the blob queue");
        var documents = ReadDocuments(options.DocumentsPath);
        var results = await ServeAsync(connectionString, bundle, documents, cancellationToken);

        Step(6, "Results");
        Print(documents, results);
        AnsiConsole.MarkupLineInterpolated($"[green]Demo finished in {total.Elapsed:m\\:ss}.[/] Work folder: {work}");
    }

    static async Task<AzuriteServer> StartAzuriteAsync(CancellationToken cancellationToken)
    {
        var executable = AzuriteServer.Locate(Directory.GetCurrentDirectory())
            ?? throw new InvalidOperationException(
                "nlpmtl demo needs blob storage: pass --storage CONNECTION_STRING (Azure Storage, or an Azurite "
                    + "you run), or make "
                    + "azurite-blob available (npm install -g azurite@3.37.0, or NLPMTL_AZURITE=/path/to/azurite-blob)"
            );
        return await AzuriteServer.StartAsync(executable, cancellationToken);
    }

    async Task<Dictionary<string, List<TaskPrediction>>> ServeAsync(
        string connectionString,
        string bundle,
        IReadOnlyList<(string Id, string Text)> documents,
        CancellationToken cancellationToken
    )
    {
        var builder = QueueHostBuilder.Create(quiet: true);
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = connectionString,
                ["Queue:ContainerPrefix"] = "nlpmtl-demo",
                ["Queue:MinPollMs"] = "100",
                ["Queue:MaxPollMs"] = "500",
                ["Inference:BundlePath"] = bundle,
            }
        );
        builder.AddNlpMtlWorker();
        builder.AddNlpMtlInference();
        using var host = builder.Build();
        var queue = host.Services.GetRequiredService<BlobWorkQueueClient>();
        await queue.CreateIfNotExistsAsync(cancellationToken);
        foreach (var (id, text) in documents)
            await queue.EnqueueAsync(
                $"{id}.json",
                JobDocument.ToJsonl([new JobDocument(id, text, TaskNames.All)]),
                cancellationToken
            );
        AnsiConsole.MarkupLineInterpolated($"  enqueued {documents.Count} jobs in {queue.Inbox.Name}");

        await host.StartAsync(cancellationToken);
        var watch = Stopwatch.StartNew();
        QueueCounts counts;
        await AnsiConsole
            .Status()
            .StartAsync("serving…", async status =>
            {
                while (true)
                {
                    counts = await queue.GetCountsAsync(cancellationToken);
                    status.Status(
                        $"serving: inbox {counts.Inbox}, results {counts.Results}, poison {counts.Poison} "
                            + $"({watch.Elapsed.TotalSeconds:F0} s)"
                    );
                    if (counts.Results + counts.Poison >= documents.Count)
                        break;
                    if (watch.Elapsed > options.ServeTimeout)
                        throw new TimeoutException(
                            $"the worker did not finish {documents.Count} jobs within "
                                + $"{options.ServeTimeout.TotalSeconds:F0} s (results {counts.Results}, poison "
                                + $"{counts.Poison})"
                        );
                    await Task.Delay(250, cancellationToken);
                }
            });
        await host.StopAsync(cancellationToken);
        counts = await queue.GetCountsAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated(
            $"  {counts.Results} result blobs, {counts.Poison} poisoned, in {watch.Elapsed.TotalSeconds:F1} s"
        );
        if (counts.Poison > 0)
            throw new InvalidOperationException(
                $"{counts.Poison} demo job(s) were poisoned; see the {queue.Poison.Name} container"
            );

        var results = new Dictionary<string, List<TaskPrediction>>();
        await foreach (var blob in queue.Results.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var content = (
                await queue.Results.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)
            ).Value.Content.ToString();
            foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var record = JsonSerializer.Deserialize<TaskPrediction>(line)!;
                (results.TryGetValue(record.Id, out var list) ? list : results[record.Id] = []).Add(record);
            }
        }
        return results;
    }

    /// <summary>The documents to serve, read like <c>predict</c> input (<see cref="DocumentReader"/>).</summary>
    static List<(string Id, string Text)> ReadDocuments(string path)
    {
        var documents = DocumentReader.Read(path).Select(d => (d.Id, d.Text)).ToList();
        if (documents.Count == 0)
            throw new InvalidDataException($"{path}: no documents");
        return documents;
    }

    static void Print(
        IReadOnlyList<(string Id, string Text)> documents,
        Dictionary<string, List<TaskPrediction>> results
    )
    {
        foreach (var (id, text) in documents)
        {
            var lines = results.GetValueOrDefault(id) ?? [];
            var sentiment = lines.FirstOrDefault(r => r.Task == TaskNames.Sentiment);
            var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumns("", "");
            table.Title = new TableTitle(id);
            table.AddRow(new Markup("[bold]text[/]"), new Text(text));
            table.AddRow(
                new Markup("[bold]sentiment[/]"),
                new Text(sentiment is null ? "(missing)" : $"{sentiment.Label} ({sentiment.Score:F2})")
            );
            table.AddRow(
                new Markup("[bold]summary[/]"),
                new Text(lines.FirstOrDefault(r => r.Task == TaskNames.Summarize)?.Summary ?? "(missing)")
            );
            table.AddRow(
                new Markup("[bold]German[/]"),
                new Text(lines.FirstOrDefault(r => r.Task == TaskNames.Translate)?.Translation ?? "(missing)")
            );
            table.AddRow(new Markup("[bold]read[/]"), new Text(Read(lines)));
            AnsiConsole.Write(table);
        }
    }

    /// <summary>What the heads read, from the result lines' <c>truncated</c>, <c>windows</c>, <c>segments</c> and
    /// <c>selected</c>.</summary>
    static string Read(List<TaskPrediction> lines)
    {
        var whole = lines.All(l => l.Truncated == false) ? "the whole document" : "cut at the cap (truncated)";
        var sentiment = lines.FirstOrDefault(r => r.Task == TaskNames.Sentiment)?.Windows;
        var translate = lines.FirstOrDefault(r => r.Task == TaskNames.Translate)?.Segments;
        var summary = lines.FirstOrDefault(r => r.Task == TaskNames.Summarize);
        return $"{whole}: {sentiment} sentiment window(s), {translate} sentence(s) translated, summary from "
            + $"{summary?.Selected?.Length} of {summary?.Sentences} sentence(s)";
    }

    static void Step(int number, string title) =>
        AnsiConsole.Write(new Rule($"[bold]{number}/6[/] {Markup.Escape(title)}").LeftJustified());
}

/// <summary>What <see cref="DemoRunner"/> runs on; every default is something nlpmtl ships beside itself.</summary>
public sealed record DemoOptions
{
    public required string WorkDirectory { get; init; }
    public required string ConfigPath { get; init; }
    public required string DocumentsPath { get; init; }
    public long? MaxSteps { get; init; }

    /// <summary>The queue's storage; null starts an Azurite for the run.</summary>
    public string? StorageConnectionString { get; init; }
    public TimeSpan ServeTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
