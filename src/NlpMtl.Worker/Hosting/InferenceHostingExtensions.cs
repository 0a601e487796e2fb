using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Hosting;

/// <summary>The model engine behind <c>serve</c>.</summary>
public static class InferenceHostingExtensions
{
    public static IHostApplicationBuilder AddNlpMtlInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceHostOptions>().BindConfiguration(InferenceHostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IDocumentProcessor>(_ =>
            throw new InvalidOperationException("this build has no inference engine (NlpMtl.Inference) yet"));
        return builder;
    }
}
