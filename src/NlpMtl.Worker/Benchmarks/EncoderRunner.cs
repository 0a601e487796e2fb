using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Worker.Benchmarks;

/// <summary>A session over an encoder graph fed one fixed (batch, tokens) batch, all outputs fetched: what a serving call costs.</summary>
sealed class EncoderRunner : IDisposable
{
    readonly InferenceSession session;
    readonly OrtValue[] inputs;
    readonly string[] inputNames;

    public EncoderRunner(byte[] graph, SessionOptions options, long[] ids, long[] mask, long[] types, long[] shape)
    {
        session = new InferenceSession(graph, options);
        inputNames = [.. session.InputNames];
        inputs = inputNames.Select(name => OrtValue.CreateTensorValueFromMemory(name switch
        {
            "input_ids" => ids,
            "attention_mask" => mask,
            "token_type_ids" => types,
            _ => throw new InvalidDataException($"encoder input '{name}' is not one of input_ids, attention_mask, token_type_ids"),
        }, shape)).ToArray();
    }

    public void Run()
    {
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, inputNames, inputs, session.OutputNames);
    }

    public void Dispose()
    {
        foreach (var input in inputs) input.Dispose();
        session.Dispose();
    }
}
