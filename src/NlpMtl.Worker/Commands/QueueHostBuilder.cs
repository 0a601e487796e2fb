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
        // One-shot verbs print their answer on stdout; only problems go to the log.
        if (quiet) builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }
}
