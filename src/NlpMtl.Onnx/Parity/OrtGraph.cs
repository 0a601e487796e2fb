using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Onnx.Parity;

/// <summary>A float tensor flattened row-major, with its shape: what parity checks compare.</summary>
public sealed record FloatTensor(float[] Values, long[] Shape)
{
    public static FloatTensor Empty(params long[] shape) => new([], shape);
}

/// <summary>
/// One CPU InferenceSession over an exported graph, for the checks export runs on its own output (OrtValue API only).
/// Inputs are float or int64 arrays by name; every output comes back as a <see cref="FloatTensor"/>.
/// </summary>
public sealed class OrtGraph : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;

    /// <param name="optimizedModelPath">Where ORT writes the graph after its optimizer ran (to see what it fused), or null.</param>
    public OrtGraph(byte[] model, string name, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL, int intraOpThreads = 0,
        string? optimizedModelPath = null)
    {
        Name = name;
        options = new SessionOptions { GraphOptimizationLevel = optimization, IntraOpNumThreads = intraOpThreads };
        if (optimizedModelPath is not null) options.OptimizedModelFilePath = optimizedModelPath;
        try
        {
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            options.Dispose();
            throw new InvalidDataException($"{name}: ONNX Runtime cannot load the graph ({e.Message})", e);
        }
    }

    public string Name { get; }
    public IReadOnlyList<string> OutputNames => session.OutputNames;

    public Dictionary<string, FloatTensor> Run(IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs)
    {
        var names = inputs.Keys.ToList();
        var values = new List<OrtValue>(names.Count);
        try
        {
            foreach (var name in names)
            {
                var (data, shape) = inputs[name];
                values.Add(data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"{Name}: input '{name}' must be float[] or long[], not {data.GetType().Name}"),
                });
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, values, session.OutputNames);
            return session.OutputNames.Select((name, i) => (name, value: outputs[i])).ToDictionary(
                p => p.name, p => new FloatTensor(p.value.GetTensorDataAsSpan<float>().ToArray(), p.value.GetTensorTypeAndShape().Shape));
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
    }
}
