using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Onnx.Tests;

/// <summary>One CPU InferenceSession over an encoder graph (ours or the original MiniLM export), OrtValue API
/// only.</summary>
public sealed class OrtEncoder : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;

    /// <param name="optimization">ORT's default fuses LayerNorm and GELU patterns into the same kernels however a graph
    /// spells them; <see cref="GraphOptimizationLevel.ORT_DISABLE_ALL"/> runs the graph's own ops.</param>
    public OrtEncoder(byte[] onnx, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        options = new SessionOptions { GraphOptimizationLevel = optimization };
        session = new InferenceSession(onnx, options);
    }

    public IReadOnlyList<string> OutputNames => session.OutputNames;

    /// <summary>Every output of the graph, flattened row-major, with its shape.</summary>
    public Dictionary<string, (float[] Values, long[] Shape)> Run(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var runOptions = new RunOptions();
        var names = session.OutputNames;
        using var outputs = session.Run(
            runOptions,
            [BundleNames.InputIds, BundleNames.AttentionMask, BundleNames.TokenTypeIds],
            [ids, mask, types],
            names
        );
        return names
            .Select((name, i) => (name, value: outputs[i]))
            .ToDictionary(
                p => p.name,
                p => (p.value.GetTensorDataAsSpan<float>().ToArray(), p.value.GetTensorTypeAndShape().Shape)
            );
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
    }
}
