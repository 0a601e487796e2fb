using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NlpMtl.Worker.Hosting;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// Hosts for the queue verbs: configuration from appsettings.json (current directory) and the environment
/// (<c>Storage__ConnectionString</c>, <c>Queue__ContainerPrefix</c>, …); the CLI's own arguments are not configuration.
/// </summary>
public static class QueueHostBuilder
{
    public static HostApplicationBuilder Create(bool quiet)
    {
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { Args = [], ContentRootPath = Directory.GetCurrentDirectory() }
        );
        // One-shot verbs print their answer on stdout; only problems go to the log (added last, so it beats
        // appsettings).
        if (quiet)
            builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("NLPMTL_BENCH_LOG")
                        ?? nameof(LogLevel.Warning),
                    ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = nameof(LogLevel.Warning),
                }
            );
        return builder;
    }

    /// <summary>A quiet host with storage and the queue only: what <c>enqueue</c>, <c>status</c> and <c>results</c>
    /// need.</summary>
    public static IHost BuildQueueOnly()
    {
        var builder = Create(quiet: true);
        builder.AddNlpMtlQueue();
        var host = builder.Build();
        host.ValidateOptions();
        return host;
    }
}
