using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx.Quantization;

/// <summary>How a quantized MatMul is spelled in the graph; ORT runs each with its own kernels.</summary>
public enum Int8Form
{
    /// <summary><c>com.microsoft.DynamicQuantizeMatMul</c>: one node quantizes the activation and multiplies.</summary>
    DynamicQuantizeMatMul,

    /// <summary><c>DynamicQuantizeLinear</c> then <c>com.microsoft.MatMulIntegerToFloat</c> (scales and bias applied in
    /// the kernel).</summary>
    MatMulIntegerToFloat,

    /// <summary>Standard ops only: <c>DynamicQuantizeLinear</c>, <c>MatMulInteger</c>, <c>Cast</c>, <c>Mul</c> by the
    /// two scales.</summary>
    MatMulInteger,
}

/// <summary>Which MatMuls an int8 variant leaves in fp32 (<c>export --int8-exclude</c>).</summary>
public enum Int8Exclusion
{
    /// <summary>None: every MatMul with enough constant weights is quantized (the fastest variant).</summary>
    None,

    /// <summary>
    /// The feed-forward output projections, the MatMuls that read a layer's activation (named by
    /// <see cref="BertGraph.FeedForwardActivationSuffix"/>), stay fp32: a third of
    /// each layer's MatMul work. int8 then changes fewer answers: measured on one checkpoint in docs/benchmarks.md,
    /// "int8 that changes fewer answers".
    /// </summary>
    FeedForwardOutput,
}

/// <summary>
/// Dynamic int8 quantization of an fp32 graph, written here because there is no Python: every MatMul whose second
/// input is a constant (an initializer, or a Transpose of one, as the tied decoder projection is) gets symmetric
/// int8 weights with one scale per output column; activations are quantized to uint8 at run time, per tensor.
/// Per-column scales keep a column of small weights from losing its precision to one large column elsewhere.
/// A following Add of a constant bias is folded into the kernels that take one.
/// </summary>
public static class Int8Quantizer
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>MatMuls with fewer weights than this stay fp32 (the sentiment classifier): quantizing them saves
    /// nothing.</summary>
    public const int MinWeights = 16 * 1024;

    public static ModelProto Quantize(ModelProto fp32, Int8Form form, Int8Exclusion exclude = Int8Exclusion.None)
    {
        var model = fp32.Clone();
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var consumers = graph
            .Node.SelectMany(n => n.Input.Select(i => (i, n)))
            .GroupBy(p => p.i)
            .ToDictionary(g => g.Key, g => g.Select(p => p.n).ToList());
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var names = new HashSet<string>(
            graph.Node.SelectMany(n => n.Output).Concat(initializers.Keys).Concat(graph.Input.Select(i => i.Name))
        );
        string Unique(string stem)
        {
            for (var i = 0; ; i++)
                if (names.Add(i == 0 ? stem : $"{stem}_{i}"))
                    return i == 0 ? stem : $"{stem}_{i}";
        }

        var replaced = new Dictionary<NodeProto, List<NodeProto>>();
        var dropped = new HashSet<NodeProto>();
        foreach (var node in graph.Node.Where(n => n.OpType == "MatMul" && n.Domain == ""))
        {
            if (Weights(node.Input[1], initializers, producers) is not { } w || w.Values.Length < MinWeights)
                continue;
            if (
                exclude == Int8Exclusion.FeedForwardOutput
                && node.Input[0].EndsWith(BertGraph.FeedForwardActivationSuffix, StringComparison.Ordinal)
            )
                continue;
            var (quantized, scales) = QuantizePerColumn(w.Values, w.Rows, w.Columns);
            var stem = node.Input[1];
            var weight = AddInitializer(
                graph,
                Unique($"{stem}.int8"),
                DataType.Int8,
                MemoryMarshal.AsBytes(quantized.AsSpan()),
                [w.Rows, w.Columns]
            );
            var scale = AddInitializer(
                graph,
                Unique($"{stem}.scale"),
                DataType.Float,
                MemoryMarshal.AsBytes(scales.AsSpan()),
                [w.Columns]
            );
            var zero = AddInitializer(
                graph,
                Unique($"{stem}.zero_point"),
                DataType.Int8,
                new byte[w.Columns],
                [w.Columns]
            );

            // Fold "Add(MatMul, bias)" when the bias is a constant of N values and nothing else reads the product.
            var output = node.Output[0];
            string? bias = null;
            if (
                form != Int8Form.MatMulInteger
                && !graphOutputs.Contains(output)
                && consumers.GetValueOrDefault(output) is [{ OpType: "Add" } add]
                && add.Input.FirstOrDefault(i => i != output) is { } b
                && initializers.TryGetValue(b, out var biasTensor)
                && biasTensor.Dims.Count == 1
                && biasTensor.Dims[0] == w.Columns
            )
            {
                (bias, output) = (b, add.Output[0]);
                dropped.Add(add);
            }
            replaced[node] = Emit(form, node, node.Input[0], weight, scale, zero, bias, output, Unique);
            if (w.Transpose is { } transpose && consumers[transpose.Output[0]].Count == 1)
                dropped.Add(transpose);
        }

        var nodes = graph
            .Node.Where(n => !dropped.Contains(n))
            .SelectMany(n => replaced.TryGetValue(n, out var r) ? r : [n])
            .ToList();
        graph.Node.Clear();
        graph.Node.Add(nodes);
        var used = nodes.SelectMany(n => n.Input).ToHashSet();
        var unused = graph.Initializer.Where(i => !used.Contains(i.Name)).ToList();
        foreach (var initializer in unused)
            graph.Initializer.Remove(initializer);
        if (model.OpsetImport.All(o => o.Domain != MicrosoftDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        return model;
    }

    static List<NodeProto> Emit(
        Int8Form form,
        NodeProto matMul,
        string input,
        string weight,
        string scale,
        string zero,
        string? bias,
        string output,
        Func<string, string> unique
    )
    {
        var stem = matMul.Name;
        switch (form)
        {
            case Int8Form.DynamicQuantizeMatMul:
                return
                [
                    new NodeProto
                    {
                        Name = unique($"{stem}/DynamicQuantizeMatMul"),
                        OpType = "DynamicQuantizeMatMul",
                        Domain = MicrosoftDomain,
                        Input = { Inputs(input, weight, scale, zero, bias) },
                        Output = { output },
                    },
                ];
            case Int8Form.MatMulIntegerToFloat:
            {
                var (q, s, z) = (unique($"{input}.quantized"), unique($"{input}.scale"), unique($"{input}.zero_point"));
                return
                [
                    new NodeProto
                    {
                        Name = unique($"{stem}/DynamicQuantizeLinear"),
                        OpType = "DynamicQuantizeLinear",
                        Input = { input },
                        Output = { q, s, z },
                    },
                    new NodeProto
                    {
                        Name = unique($"{stem}/MatMulIntegerToFloat"),
                        OpType = "MatMulIntegerToFloat",
                        Domain = MicrosoftDomain,
                        Input = { Inputs(q, weight, s, scale, z, zero, bias) },
                        Output = { output },
                    },
                ];
            }
            default:
            {
                var (q, s, z) = (unique($"{input}.quantized"), unique($"{input}.scale"), unique($"{input}.zero_point"));
                var (product, asFloat, combined) = (
                    unique($"{stem}.int32"),
                    unique($"{stem}.float"),
                    unique($"{stem}.scales")
                );
                return
                [
                    new NodeProto
                    {
                        Name = unique($"{stem}/DynamicQuantizeLinear"),
                        OpType = "DynamicQuantizeLinear",
                        Input = { input },
                        Output = { q, s, z },
                    },
                    new NodeProto
                    {
                        Name = unique($"{stem}/MatMulInteger"),
                        OpType = "MatMulInteger",
                        Input = { q, weight, z, zero },
                        Output = { product },
                    },
                    new NodeProto
                    {
                        Name = unique($"{stem}/Cast"),
                        OpType = "Cast",
                        Input = { product },
                        Output = { asFloat },
                        Attribute = { OnnxGraphBuilder.Attribute("to", (long)DataType.Float) },
                    },
                    new NodeProto
                    {
                        Name = unique($"{stem}/Scales"),
                        OpType = "Mul",
                        Input = { s, scale },
                        Output = { combined },
                    },
                    new NodeProto
                    {
                        Name = unique($"{stem}/Rescale"),
                        OpType = "Mul",
                        Input = { asFloat, combined },
                        Output = { output },
                    },
                ];
            }
        }
    }

    /// <summary>A node's inputs without a trailing absent optional one.</summary>
    static IEnumerable<string> Inputs(params string?[] inputs) => inputs.Where(i => i is not null)!;

    /// <summary>The (K, N) fp32 weights behind a MatMul's second input, or null when it is not a constant.</summary>
    static (float[] Values, int Rows, int Columns, NodeProto? Transpose)? Weights(
        string name,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, NodeProto> producers
    )
    {
        if (initializers.TryGetValue(name, out var direct))
            return Floats(direct) is { } v && direct.Dims.Count == 2
                ? (v, (int)direct.Dims[0], (int)direct.Dims[1], null)
                : null;
        if (
            !producers.TryGetValue(name, out var transpose)
            || transpose.OpType != "Transpose"
            || !initializers.TryGetValue(transpose.Input[0], out var source)
            || source.Dims.Count != 2
            || Floats(source) is not { } stored
        )
            return null;
        var perm = transpose.Attribute.FirstOrDefault(a => a.Name == "perm")?.Ints;
        if (perm is not null && !(perm.Count == 2 && perm[0] == 1 && perm[1] == 0))
            return null;
        var (rows, columns) = ((int)source.Dims[1], (int)source.Dims[0]); // the transpose of a stored (N, K) matrix
        var values = new float[stored.Length];
        for (var n = 0; n < columns; n++)
        for (var k = 0; k < rows; k++)
            values[k * columns + n] = stored[n * rows + k];
        return (values, rows, columns, transpose);
    }

    static float[]? Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float)
            return null;
        if (!tensor.RawData.IsEmpty)
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return tensor.FloatData.Count > 0 ? [.. tensor.FloatData] : null;
    }

    /// <summary>Symmetric per-column int8: scale = max|W[:, n]| / 127, q = round(W / scale) in [−127, 127].</summary>
    public static (sbyte[] Quantized, float[] Scales) QuantizePerColumn(float[] weights, int rows, int columns)
    {
        var scales = new float[columns];
        for (var k = 0; k < rows; k++)
        for (var n = 0; n < columns; n++)
            scales[n] = Math.Max(scales[n], Math.Abs(weights[k * columns + n]));
        for (var n = 0; n < columns; n++)
            scales[n] = scales[n] > 0 ? scales[n] / 127f : 1f;
        var quantized = new sbyte[weights.Length];
        for (var k = 0; k < rows; k++)
        for (var n = 0; n < columns; n++)
            quantized[k * columns + n] = (sbyte)
                Math.Clamp(MathF.Round(weights[k * columns + n] / scales[n]), -127f, 127f);
        return (quantized, scales);
    }

    static string AddInitializer(GraphProto graph, string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        graph.Initializer.Add(
            new TensorProto
            {
                Name = name,
                DataType = (int)type,
                Dims = { dims },
                RawData = ByteString.CopyFrom(bytes),
            }
        );
        return name;
    }
}
