using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace NlpMtl.Worker.Hosting;

/// <summary> Storage reachability as the worker sees it: healthy while calls succeed, degraded during a short outage
/// (the worker keeps retrying), unhealthy when storage has failed for longer than <see cref="UnhealthyAfter"/>, or at
/// all before it was ever reached (a worker that cannot start is doing nothing; it exits after Storage:StartupTimeout).
/// </summary>
public sealed class QueueHealth(TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan UnhealthyAfter = TimeSpan.FromMinutes(2);
    long failingSince = -1;
    volatile bool reached;

    public void Succeeded()
    {
        reached = true;
        Interlocked.Exchange(ref failingSince, -1);
    }

    public void Failed() => Interlocked.CompareExchange(ref failingSince, time.GetTimestamp(), -1);

    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context,
        CancellationToken cancellationToken = default
    )
    {
        var since = Interlocked.Read(ref failingSince);
        if (since < 0)
            return Task.FromResult(HealthCheckResult.Healthy("storage reachable"));
        var failing = time.GetElapsedTime(since);
        if (!reached)
            return Task.FromResult(
                HealthCheckResult.Unhealthy($"storage not reached since start ({failing.TotalSeconds:F0} s)")
            );
        return Task.FromResult(
            failing < UnhealthyAfter
                ? HealthCheckResult.Degraded($"storage failing for {failing.TotalSeconds:F0} s; retrying")
                : HealthCheckResult.Unhealthy($"storage failing for {failing.TotalSeconds:F0} s")
        );
    }
}

/// <summary>Without an HTTP endpoint the health report goes to the log (and to OpenTelemetry through it).</summary>
public sealed partial class LoggingHealthCheckPublisher(ILogger<LoggingHealthCheckPublisher> logger)
    : IHealthCheckPublisher
{
    HealthStatus last = HealthStatus.Healthy;

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        if (report.Status != last || report.Status != HealthStatus.Healthy)
            LogHealth(report.Status, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Description}")));
        last = report.Status;
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Warning, "Health {Status}: {Details}")]
    partial void LogHealth(HealthStatus status, string details);
}
