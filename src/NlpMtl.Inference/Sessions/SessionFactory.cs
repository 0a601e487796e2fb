using System.Runtime.InteropServices;
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
            logger.LogInformation(
                "ONNX Runtime: CPU execution provider (configured), {Threads} intra-op threads",
                ThreadsText(settings)
            );
            return new SessionFactory(options, "CPU");
        }
        var failure = TryCuda(options, settings.CudaDeviceId);
        if (failure is null)
        {
            logger.LogInformation("ONNX Runtime: CUDA execution provider on device {Device}", settings.CudaDeviceId);
            return new SessionFactory(options, "CUDA");
        }
        options.Dispose();
        if (settings.ExecutionProvider == ExecutionProviderPreference.Cuda)
            throw new InvalidOperationException(
                $"Inference:ExecutionProvider is Cuda but the CUDA provider does not load ({failure})"
            );
        // Expected on machines without a GPU or CUDA libraries: the GPU package carries the CPU provider too.
        logger.LogInformation(
            "ONNX Runtime: CPU execution provider, {Threads} intra-op threads (CUDA unavailable: {Reason})",
            ThreadsText(settings),
            failure
        );
        return new SessionFactory(NewOptions(settings), "CPU");
    }

    /// <summary>Null when the CUDA provider was appended, else why not.</summary>
    static string? TryCuda(SessionOptions options, int device)
    {
        // No driver, no GPU: say so without asking ORT, which would print its own error for the missing libraries.
        if (OperatingSystem.IsLinux() && !NativeLibrary.TryLoad("libcuda.so.1", out _))
            return "no CUDA driver (libcuda.so.1)";
        if (OperatingSystem.IsWindows() && !NativeLibrary.TryLoad("nvcuda.dll", out _))
            return "no CUDA driver (nvcuda.dll)";
        var environment = OrtEnv.Instance();
        var level = environment.EnvLogLevel;
        environment.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL; // the failure is reported once, by us
        try
        {
            options.AppendExecutionProvider_CUDA(device);
            return null;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return e.Message.ReplaceLineEndings(" ");
        }
        finally
        {
            environment.EnvLogLevel = level;
        }
    }

    static SessionOptions NewOptions(InferenceOptions settings)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // one graph's ops in order; intra-op threads parallelise each op
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = settings.IntraOpThreads,
            InterOpNumThreads = 1,
        };
        if (settings.ProfilePrefix is { } prefix)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(prefix))!);
            options.ProfileOutputPathPrefix = prefix; // read when profiling is switched on, so it must come first
            options.EnableProfiling = true;
        }
        return options;
    }

    static string ThreadsText(InferenceOptions settings) =>
        settings.IntraOpThreads == 0 ? "default" : settings.IntraOpThreads.ToString();

    public void Dispose() => Options.Dispose();
}
