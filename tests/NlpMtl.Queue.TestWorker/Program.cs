using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlpMtl.Queue;
using NlpMtl.Queue.TestWorker;
using NlpMtl.Worker.Commands;
using NlpMtl.Worker.Hosting;

// Same wiring, validation and exit codes as `nlpmtl serve`, configured from the environment, with a processor whose
// speed tests control.
return await NlpMtlCommandLine.Guard(
    async token =>
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.AddNlpMtlWorker();
        builder.Services.AddSingleton<IDocumentProcessor>(sp => new FakeProcessor(
            TimeSpan.FromMilliseconds(builder.Configuration.GetValue("TestWorker:BatchDelayMs", 0)),
            TimeSpan.FromMilliseconds(builder.Configuration.GetValue("TestWorker:DocumentDelayMs", 0))
        ));
        using var host = builder.Build();
        await host.RunWorkerAsync(token);
    },
    CancellationToken.None
);
