using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NlpMtl.Worker.Hosting;

/// <summary>The worker's OpenTelemetry instruments (meter and activity source both named <see cref="Name"/>).</summary>
public sealed class WorkerMetrics
{
    public const string Name = "NlpMtl.Worker";
    public static readonly ActivitySource ActivitySource = new(Name);

    readonly Counter<long> _jobs;
    readonly Counter<long> _poisoned;
    readonly Counter<long> _abandoned;
    readonly Counter<long> _documents;
    readonly Histogram<int> _batchSize;
    readonly Histogram<double> _batchSeconds;
    readonly Histogram<double> _jobSeconds;
    long _inboxDepth;

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _jobs = meter.CreateCounter<long>(
            "nlpmtl.jobs.completed",
            "{job}",
            "Jobs finished with a result (outcome: written or duplicate)"
        );
        _poisoned = meter.CreateCounter<long>(
            "nlpmtl.jobs.poisoned",
            "{job}",
            "Jobs moved to poison (kind: format or attempts)"
        );
        _abandoned = meter.CreateCounter<long>(
            "nlpmtl.jobs.abandoned",
            "{job}",
            "Claims given back for another attempt"
        );
        _documents = meter.CreateCounter<long>(
            "nlpmtl.documents.processed",
            "{document}",
            "Documents of completed jobs"
        );
        _batchSize = meter.CreateHistogram<int>("nlpmtl.batch.size", "{document}", "Documents per engine batch");
        _batchSeconds = meter.CreateHistogram<double>("nlpmtl.batch.duration", "s", "Engine time per batch");
        _jobSeconds = meter.CreateHistogram<double>("nlpmtl.job.duration", "s", "Claim to result, per job");
        meter.CreateObservableGauge(
            "nlpmtl.inbox.depth",
            () => Volatile.Read(ref _inboxDepth),
            "{job}",
            "Unleased inbox jobs at the last listing (capped at one page)"
        );
    }

    public void JobCompleted(string outcome, int documents, TimeSpan elapsed)
    {
        _jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _documents.Add(documents);
        _jobSeconds.Record(elapsed.TotalSeconds);
    }

    public void JobPoisoned(string kind) => _poisoned.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void JobAbandoned() => _abandoned.Add(1);

    public void BatchProcessed(int documents, TimeSpan elapsed)
    {
        _batchSize.Record(documents);
        _batchSeconds.Record(elapsed.TotalSeconds);
    }

    public void InboxListed(int depth) => Volatile.Write(ref _inboxDepth, depth);
}
