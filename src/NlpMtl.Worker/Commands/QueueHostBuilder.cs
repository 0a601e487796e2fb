using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// Hosts for the queue verbs: configuration from appsettings.json (current directory) and the environment
/// (<c>Storage__ConnectionString</c>, <c>Queue__ContainerPrefix</c>, …); the CLI's own arguments are not configuration.
/// </summary>
public static class QueueHostBuilder
{
    public static HostApplicationBuilder Create(bool quiet)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        // One-shot verbs print their answer on stdout; only problems go to the log (added last, so it beats appsettings).
        if (quiet)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("NLPMTL_BENCH_LOG") ?? nameof(LogLevel.Warning),
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = nameof(LogLevel.Warning),
            });
        return builder;
    }
}
