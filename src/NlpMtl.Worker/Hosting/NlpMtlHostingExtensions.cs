using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlpMtl.Queue;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace NlpMtl.Worker.Hosting;

/// <summary>All of the host's wiring: options, Azure clients, the queue, the worker pipeline, telemetry,
/// health.</summary>
public static class NlpMtlHostingExtensions
{
    /// <summary>Storage and queue: enough for <c>enqueue</c>, <c>status</c> and <c>results</c>.</summary>
    public static IHostApplicationBuilder AddNlpMtlQueue(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSectionOptions<StorageOptions>(StorageOptions.SectionName);
        builder.Services.AddSectionOptions<QueueOptions>(QueueOptions.SectionName);

        // The SDK logs every non-2xx at Warning; for a queue 404/409/412 are expected answers (lease taken, done
        // already).
        builder.Logging.AddFilter("Azure.Core", LogLevel.Error);

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>()
            ?? new StorageOptions();
        builder.Services.AddAzureClients(clients =>
        {
            if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
                clients.AddBlobServiceClient(storage.ConnectionString);
            else if (storage.AccountUri is not null)
                clients.AddBlobServiceClient(storage.AccountUri);
            else
                clients.AddClient<BlobServiceClient, BlobClientOptions>(_ => throw Unconfigured());
            clients.UseCredential(new DefaultAzureCredential());
            // The SDK owns retries (exponential, 408/429/5xx and connection failures); our code adds none.
            clients.ConfigureDefaults(o =>
            {
                o.Retry.Mode = RetryMode.Exponential;
                o.Retry.MaxRetries = storage.MaxRetries;
                o.Retry.Delay = storage.RetryDelay;
                o.Retry.MaxDelay = storage.MaxRetryDelay;
                o.Retry.NetworkTimeout = storage.NetworkTimeout;
            });
        });
        builder.Services.AddSingleton(sp =>
        {
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.ToString(); // validates before the client is built
            var queue = sp.GetRequiredService<IOptions<QueueOptions>>().Value;
            return new BlobWorkQueueClient(
                sp.GetRequiredService<BlobServiceClient>(),
                new BlobWorkQueueClientOptions
                {
                    ContainerPrefix = queue.ContainerPrefix,
                    LeaseDuration = TimeSpan.FromSeconds(queue.LeaseSeconds),
                    MaxAttempts = queue.MaxAttempts,
                    MaxJobBytes = queue.MaxJobBytes,
                    WorkerId = queue.WorkerId ?? new BlobWorkQueueClientOptions().WorkerId,
                }
            );
        });
        return builder;
    }

    /// <summary>
    /// The <c>serve</c> pipeline without a processor: register an <see cref="IDocumentProcessor"/> beside it
    /// (<c>AddNlpMtlInference</c> for the ORT engine; tests register stand-ins).
    /// </summary>
    public static IHostApplicationBuilder AddNlpMtlWorker(this IHostApplicationBuilder builder)
    {
        builder.AddNlpMtlQueue();
        // HostOptions:ShutdownTimeout (e.g. HostOptions__ShutdownTimeout=00:00:20) bounds the graceful stop.
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        builder
            .Services.AddOptions<HostOptions>()
            .Validate(o => o.ShutdownTimeout >= TimeSpan.Zero, "HostOptions:ShutdownTimeout must not be negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<QueueOptions>, DefaultTasksValidation>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<QueueHealth>();
        builder.Services.AddHostedService<QueueWorkerService>();
        builder.Services.AddHealthChecks().AddCheck<QueueHealth>("storage");
        builder.Services.AddSingleton<IHealthCheckPublisher, LoggingHealthCheckPublisher>();
        builder.AddNlpMtlTelemetry();
        return builder;
    }

    /// <summary>OpenTelemetry metrics and traces of the worker; exporters only where <c>Telemetry</c> asks for
    /// them.</summary>
    public static IHostApplicationBuilder AddNlpMtlTelemetry(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>()
            ?? new TelemetryOptions();
        var otlp =
            telemetry.OtlpEndpoint is not null
            || !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("nlpmtl-worker"))
            .WithMetrics(m =>
            {
                m.AddMeter(WorkerMetrics.Name);
                if (telemetry.Console)
                    m.AddConsoleExporter();
                if (otlp)
                    m.AddOtlpExporter(o =>
                    {
                        if (telemetry.OtlpEndpoint is { } uri)
                            o.Endpoint = uri;
                    });
            })
            .WithTracing(t =>
            {
                t.AddSource(WorkerMetrics.Name);
                if (telemetry.Console)
                    t.AddConsoleExporter();
                if (otlp)
                    t.AddOtlpExporter(o =>
                    {
                        if (telemetry.OtlpEndpoint is { } uri)
                            o.Endpoint = uri;
                    });
            });
        return builder;
    }

    /// <summary>
    /// Validates every option first (all <c>ValidateOnStart</c> checks, before anything starts or logs: a bad
    /// setting is one exception naming its key), then runs the host until it stops. A worker that gave up (storage
    /// unreachable at start, credentials refused) ends in an exception, so <c>serve</c> exits non-zero.
    /// </summary>
    public static async Task RunWorkerAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.ValidateOptions();
        // RunAsync disposes the services
        var worker = host.Services.GetServices<IHostedService>().OfType<QueueWorkerService>().FirstOrDefault();
        await host.RunAsync(cancellationToken);
        if (worker?.Failure is { } failure)
            throw new InvalidOperationException(failure);
    }

    /// <summary>Runs the <c>ValidateOnStart</c> checks now (the host would only at start, after logging).</summary>
    public static void ValidateOptions(this IHost host) =>
        host.Services.GetRequiredService<IStartupValidator>().Validate();

    static InvalidOperationException Unconfigured() =>
        new(
            "Storage is not configured: set Storage:ConnectionString (env Storage__ConnectionString) or "
                + "Storage:AccountUri"
        );
}
