using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Worker.Benchmarks;

/// <summary>A session over a one-input float graph (the MatMul peak), its input fixed.</summary>
sealed class MatMulRunner : IDisposable
{
    readonly InferenceSession session;
    readonly OrtValue input;
    readonly string name;

    public MatMulRunner(byte[] graph, SessionOptions options, string name, float[] values, long[] shape)
    {
        session = new InferenceSession(graph, options);
        input = OrtValue.CreateTensorValueFromMemory(values, shape);
        this.name = name;
    }

    public void Run()
    {
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [name], [input], session.OutputNames);
    }

    public void Dispose()
    {
        input.Dispose();
        session.Dispose();
    }
}
