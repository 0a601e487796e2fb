using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Inference.Sessions;

/// <summary>
/// Session options shared by a bundle's graphs: the execution provider decided once (CUDA when it loads, else CPU,
/// logged either way) and the thread settings. Owns the <see cref="SessionOptions"/>; dispose after the sessions.
/// </summary>
public sealed class SessionFactory : IDisposable
{
    SessionFactory(SessionOptions options, string provider)
    {
        Options = options;
        Provider = provider;
    }

    public SessionOptions Options { get; }

    /// <summary><c>CUDA</c> or <c>CPU</c>.</summary>
    public string Provider { get; }

    public static SessionFactory Create(InferenceOptions settings, ILogger logger)
    {
        var options = NewOptions(settings);
        if (settings.ExecutionProvider == ExecutionProviderPreference.Cpu)
        {
            logger.LogInformation("ONNX Runtime: CPU execution provider (configured), {Threads} intra-op threads", ThreadsText(settings));
            return new SessionFactory(options, "CPU");
        }
        try
        {
            options.AppendExecutionProvider_CUDA(settings.CudaDeviceId);
            logger.LogInformation("ONNX Runtime: CUDA execution provider on device {Device}", settings.CudaDeviceId);
            return new SessionFactory(options, "CUDA");
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            options.Dispose();
            var reason = e.Message.ReplaceLineEndings(" ");
            if (settings.ExecutionProvider == ExecutionProviderPreference.Cuda)
                throw new InvalidOperationException($"Inference:ExecutionProvider is Cuda but the CUDA provider does not load ({reason})", e);
            // Expected on machines without a GPU or CUDA libraries: the GPU package carries the CPU provider too.
            logger.LogInformation("ONNX Runtime: CPU execution provider, {Threads} intra-op threads (CUDA unavailable: {Reason})", ThreadsText(settings), reason);
            return new SessionFactory(NewOptions(settings), "CPU");
        }
    }

    static SessionOptions NewOptions(InferenceOptions settings) => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, // one graph's ops in order; intra-op threads parallelise each op
        IntraOpNumThreads = settings.IntraOpThreads,
        InterOpNumThreads = 1,
    };

    static string ThreadsText(InferenceOptions settings) => settings.IntraOpThreads == 0 ? "default" : settings.IntraOpThreads.ToString();

    public void Dispose() => Options.Dispose();
}
