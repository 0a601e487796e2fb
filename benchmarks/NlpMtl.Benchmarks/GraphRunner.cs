using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Benchmarks;

/// <summary>A session over a graph fed the same inputs on every call, all outputs fetched: what one serving call
/// costs.</summary>
sealed class GraphRunner : IDisposable
{
    readonly InferenceSession session;
    readonly RunOptions runOptions = new();
    readonly string[] inputNames;
    readonly OrtValue[] inputs;

    /// <param name="inputFor">The value of each graph input, by name (owned by the runner from then on).</param>
    public GraphRunner(byte[] graph, SessionOptions options, Func<string, OrtValue> inputFor)
    {
        session = new InferenceSession(graph, options);
        inputNames = [.. session.InputNames];
        inputs = [.. inputNames.Select(inputFor)];
    }

    /// <summary>An encoder graph (ours or the original MiniLM export) on one fixed (batch, tokens) batch.</summary>
    public static GraphRunner Encoder(
        byte[] graph,
        SessionOptions options,
        long[] ids,
        long[] mask,
        long[] types,
        long[] shape
    ) => new(graph, options, name => OrtValue.CreateTensorValueFromMemory(
                name switch
                {
                    "input_ids" => ids,
                    "attention_mask" => mask,
                    "token_type_ids" => types,
                    _ => throw new InvalidDataException(
                        $"encoder input '{name}' is not one of input_ids, attention_mask, token_type_ids"
                    ),
                },
                shape
            ));

    /// <summary>A graph fed arrays by input name (float[] or long[], each with its shape).</summary>
    public static GraphRunner FromArrays(
        byte[] graph,
        SessionOptions options,
        IReadOnlyDictionary<string, (Array Data, long[] Shape)> arrays
    ) => new(graph, options, name => arrays.TryGetValue(name, out var input)
                ? input.Data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, input.Shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, input.Shape),
                    _ => throw new ArgumentException(
                        $"input '{name}' must be float[] or long[], not {input.Data.GetType().Name}"
                    ),
                }
                : throw new ArgumentException($"the graph's input '{name}' was not given"));

    public IReadOnlyList<string> OutputNames => session.OutputNames;

    public void Run()
    {
        using var outputs = session.Run(runOptions, inputNames, inputs, session.OutputNames);
    }

    /// <summary>Runs once and returns one output's values and shape (null when the graph has no such output).</summary>
    public (float[] Values, long[] Shape)? Output(string name)
    {
        if (!session.OutputNames.Contains(name))
            return null;
        using var outputs = session.Run(runOptions, inputNames, inputs, [name]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    public void Dispose()
    {
        foreach (var input in inputs)
            input.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
