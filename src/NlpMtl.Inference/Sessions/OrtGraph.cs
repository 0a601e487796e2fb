using Microsoft.ML.OnnxRuntime;

namespace NlpMtl.Inference.Sessions;

/// <summary>
/// One long-lived <see cref="InferenceSession"/> over a bundle file (Run is thread-safe), with the file's path so every
/// error names it. Inputs and outputs are checked against the names the engine will use at load, not at first call.
/// </summary>
public sealed class OrtGraph : IDisposable
{
    readonly InferenceSession session;
    readonly RunOptions runOptions = new(); // read-only settings: one for every call (Run is called per decoding step)

    public OrtGraph(
        string path,
        SessionOptions options,
        IEnumerable<string> requiredInputs,
        IEnumerable<string> requiredOutputs
    )
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: graph file not found", path);
        Path = path;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException(
                $"{path}: ONNX Runtime cannot load it ({e.Message.ReplaceLineEndings(" ")})",
                e
            );
        }
        Require("input", requiredInputs, session.InputNames);
        Require("output", requiredOutputs, session.OutputNames);
    }

    public string Path { get; }

    /// <summary>Runs the graph; the caller owns (and disposes) the returned values, in <paramref name="outputs"/>
    /// order.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(
        IReadOnlyCollection<string> inputs,
        IReadOnlyCollection<OrtValue> values,
        IReadOnlyCollection<string> outputs
    )
    {
        try
        {
            return session.Run(runOptions, inputs, values, outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"{Path}: run failed ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    void Require(string kind, IEnumerable<string> required, IReadOnlyList<string> present)
    {
        var missing = required.Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{Path}: missing {kind}(s) {string.Join(", ", missing)} (the graph has {string.Join(", ", present)})"
            );
    }

    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
