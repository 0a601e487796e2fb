using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using NlpMtl.Inference;
using NlpMtl.Inference.Batching;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>The ORT engine behind <c>serve</c> (sections <c>Inference</c> and <c>Batching</c>).</summary>
public static class InferenceHostingExtensions
{
    public static IHostApplicationBuilder AddNlpMtlInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<InferenceHostOptions>(InferenceHostOptions.SectionName);
        builder.Services.AddSectionOptions<InferenceOptions>(InferenceOptions.SectionName);
        builder.Services.AddSectionOptions<BatchingOptions>(BatchingOptions.SectionName);
        builder.Services.TryAddSingleton<WorkerMetrics>(); // engine batch sizes and times
        builder.Services.AddSingleton<IDocumentProcessor, OrtDocumentProcessor>();
        return builder;
    }
}
