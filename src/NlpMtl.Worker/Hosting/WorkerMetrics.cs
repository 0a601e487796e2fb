using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NlpMtl.Worker.Hosting;

/// <summary>The worker's OpenTelemetry instruments (meter and activity source both named <see cref="Name"/>).</summary>
public sealed class WorkerMetrics
{
    public const string Name = "NlpMtl.Worker";
    public static readonly ActivitySource ActivitySource = new(Name);

    readonly Counter<long> jobs;
    readonly Counter<long> poisoned;
    readonly Counter<long> abandoned;
    readonly Counter<long> documents;
    readonly Histogram<int> batchSize;
    readonly Histogram<double> batchSeconds;
    readonly Histogram<double> jobSeconds;
    long inboxDepth;

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        jobs = meter.CreateCounter<long>(
            "nlpmtl.jobs.completed",
            "{job}",
            "Jobs finished with a result (outcome: written or duplicate)"
        );
        poisoned = meter.CreateCounter<long>(
            "nlpmtl.jobs.poisoned",
            "{job}",
            "Jobs moved to poison (kind: format or attempts)"
        );
        abandoned = meter.CreateCounter<long>(
            "nlpmtl.jobs.abandoned",
            "{job}",
            "Claims given back for another attempt"
        );
        documents = meter.CreateCounter<long>(
            "nlpmtl.documents.processed",
            "{document}",
            "Documents of completed jobs"
        );
        batchSize = meter.CreateHistogram<int>("nlpmtl.batch.size", "{document}", "Documents per engine batch");
        batchSeconds = meter.CreateHistogram<double>("nlpmtl.batch.duration", "s", "Engine time per batch");
        jobSeconds = meter.CreateHistogram<double>("nlpmtl.job.duration", "s", "Claim to result, per job");
        meter.CreateObservableGauge(
            "nlpmtl.inbox.depth",
            () => Volatile.Read(ref inboxDepth),
            "{job}",
            "Unleased inbox jobs at the last listing (capped at one page)"
        );
    }

    public void JobCompleted(string outcome, int documents, TimeSpan elapsed)
    {
        jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        this.documents.Add(documents);
        jobSeconds.Record(elapsed.TotalSeconds);
    }

    public void JobPoisoned(string kind) => poisoned.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void JobAbandoned() => abandoned.Add(1);

    public void BatchProcessed(int documents, TimeSpan elapsed)
    {
        batchSize.Record(documents);
        batchSeconds.Record(elapsed.TotalSeconds);
    }

    public void InboxListed(int depth) => Volatile.Write(ref inboxDepth, depth);
}
