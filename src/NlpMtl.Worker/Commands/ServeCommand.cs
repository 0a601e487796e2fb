using System.CommandLine;
using Microsoft.Extensions.Hosting;
using NlpMtl.Worker.Hosting;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl serve</c>: the hosted worker, pulling jobs from the blob queue until stopped
/// (SIGTERM/Ctrl+C).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command(
            "serve",
            "Run the queue worker: claim inbox jobs, run the model bundle (Inference:BundlePath), write results"
        );
        command.SetAction(
            (_, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        var builder = QueueHostBuilder.Create(quiet: false);
                        builder.AddNlpMtlWorker();
                        builder.AddNlpMtlInference();
                        using var host = builder.Build();
                        // The host's console lifetime handles SIGTERM/Ctrl+C and the graceful stop within
                        // HostOptions.ShutdownTimeout.
                        await host.RunWorkerAsync(token);
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
