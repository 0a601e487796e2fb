using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace NlpMtl.Onnx;

/// <summary>
/// Builds one ONNX graph node by node (TorchSharp has no exporter). Every value gets a unique name, so callers pass a
/// readable stem (<c>layer0.query</c>) and get back the name actually used. The model is ir_version 8 with the default
/// domain at opset 17: the first opset with <c>LayerNormalization</c>, and one every ORT since 1.14 runs.
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const long IrVersion = 8;
    public const long Opset = 17;

    private readonly GraphProto graph;
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> domains = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName) => graph = new GraphProto { Name = graphName };

    /// <summary><paramref name="stem"/> itself when free, else <c>stem_1</c>, <c>stem_2</c>…</summary>
    public string UniqueName(string stem)
    {
        if (names.Add(stem))
            return stem;
        for (var i = 1; ; i++)
        {
            var candidate = $"{stem}_{i}";
            if (names.Add(candidate))
                return candidate;
        }
    }

    /// <summary>A float32 initializer holding <paramref name="value"/>'s data in its shape (raw little-endian
    /// bytes).</summary>
    public string Initializer(string stem, Tensor value)
    {
        using var scope = NewDisposeScope();
        var cpu = value.detach().to(ScalarType.Float32, CPU).contiguous();
        return Initializer(stem, cpu.data<float>().ToArray(), cpu.shape);
    }

    public string Initializer(string stem, float[] values, long[] dims) =>
        AddInitializer(stem, DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public string Int64Initializer(string stem, long[] values, long[] dims) =>
        AddInitializer(stem, DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    /// <summary>A float scalar constant, shared by every node that asks for the same value.</summary>
    public string Scalar(float value) =>
        Constant($"f:{value.ToString("R", CultureInfo.InvariantCulture)}", () => Initializer("const_f", [value], []));

    /// <summary>An int64 1-D constant (axes, shapes, perms given as inputs), shared like
    /// <see cref="Scalar"/>.</summary>
    public string Int64s(params long[] values) =>
        Constant($"i:{string.Join(',', values)}", () => Int64Initializer("const_i", values, [values.Length]));

    /// <summary>An int64 scalar constant (Gather indices that drop an axis).</summary>
    public string Int64Scalar(long value) => Constant($"is:{value}", () => Int64Initializer("const_i", [value], []));

    public string Input(string name, DataType type, params OnnxDim[] dims)
    {
        Claim(name);
        graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output called <paramref name="name"/> (via Identity when they
    /// differ).</summary>
    public void Output(string name, string value, DataType type, params OnnxDim[] dims)
    {
        if (value != name)
        {
            Claim(name);
            graph.Node.Add(
                new NodeProto
                {
                    Name = UniqueName($"{name}_identity"),
                    OpType = "Identity",
                    Input = { value },
                    Output = { name },
                }
            );
        }
        graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Adds a one-output node; returns its output's name.</summary>
    public string Node(string opType, string stem, string[] inputs, params AttributeProto[] attributes) =>
        Node(opType, stem, inputs, 1, attributes)[0];

    /// <summary>Adds a one-output node of an operator domain other than ONNX's (ORT's <c>com.microsoft</c> fused
    /// ops).</summary>
    public string Node(string opType, string stem, string[] inputs, string domain, params AttributeProto[] attributes)
    {
        var output = Node(opType, stem, inputs, 1, attributes)[0];
        graph.Node[^1].Domain = domain;
        domains.Add(domain);
        return output;
    }

    public string[] Node(string opType, string stem, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto
        {
            Name = UniqueName($"{stem}/{opType}"),
            OpType = opType,
            Input = { inputs },
        };
        for (var i = 0; i < outputs; i++)
            node.Output.Add(UniqueName(outputs == 1 ? stem : $"{stem}_{i}"));
        node.Attribute.Add(attributes);
        graph.Node.Add(node);
        return [.. node.Output];
    }

    public static AttributeProto Attribute(string name, long value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.Int,
            I = value,
        };

    public static AttributeProto Attribute(string name, float value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.Float,
            F = value,
        };

    public static AttributeProto Attribute(string name, string value) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.String,
            S = Google.Protobuf.ByteString.CopyFromUtf8(value),
        };

    public static AttributeProto Attribute(string name, long[] values) =>
        new()
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.Ints,
            Ints = { values },
        };

    public ModelProto Build(string producer) =>
        new()
        {
            IrVersion = IrVersion,
            ProducerName = producer,
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            OpsetImport =
            {
                new OperatorSetIdProto { Domain = "", Version = Opset },
                domains.Order(StringComparer.Ordinal).Select(d => new OperatorSetIdProto { Domain = d, Version = 1 }),
            },
            Graph = graph,
        };

    string AddInitializer(string stem, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        // ONNX raw_data is little-endian; so is every platform .NET and TorchSharp run on, but say so if that changes.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw tensor data must be little-endian");
        var name = UniqueName(stem);
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

    string Constant(string key, Func<string> create)
    {
        if (!constants.TryGetValue(key, out var name))
            constants[key] = name = create();
        return name;
    }

    void Claim(string name)
    {
        if (!names.Add(name))
            throw new InvalidOperationException($"ONNX value name '{name}' is already used");
    }

    static ValueInfoProto ValueInfo(string name, DataType type, OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(
                dim.Param is { } param
                    ? new TensorShapeProto.Types.Dimension { DimParam = param }
                    : new TensorShapeProto.Types.Dimension { DimValue = dim.Value }
            );
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape },
            },
        };
    }
}

/// <summary>One axis of a graph input or output: a fixed size, or a symbolic name such as <c>batch</c>.</summary>
public readonly record struct OnnxDim(string? Param, long Value)
{
    public static implicit operator OnnxDim(string param) => new(param, 0);

    public static implicit operator OnnxDim(long value) => new(null, value);
}
