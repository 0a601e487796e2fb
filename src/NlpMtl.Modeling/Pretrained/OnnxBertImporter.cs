using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using NlpMtl.Modeling.Bert;
using Onnx;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Pretrained;

/// <summary>
/// Recovers an HF <see cref="BertModel"/> state dict from a PyTorch ONNX export of BertModel (opset 13 style:
/// decomposed LayerNorm, erf GELU, MatMul + Add linears). PyTorch's exporter keeps HF names for biases, LayerNorm
/// and embedding tensors but stores each Linear weight as an anonymous, transposed ([in, out]) MatMul initializer;
/// the Add that consumes that MatMul's output carries the HF bias name, which names the weight. Every initializer
/// must be accounted for, and the recovered set must be exactly BertModel's; otherwise the import fails.
/// </summary>
public static class OnnxBertImporter
{
    public sealed record ImportResult(BertConfig Config, Dictionary<string, Tensor> StateDict, ImportAccount Account);

    /// <summary>How each initializer of the graph was used: the proof that nothing was silently dropped.</summary>
    public sealed record ImportAccount(int Named, int TransposedMatMulWeights, int Buffers, int ShapeConstants)
    {
        public int Total => Named + TransposedMatMulWeights + Buffers + ShapeConstants;
    }

    public static ImportResult Import(byte[] onnx, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not an ONNX model ({e.Message})", e);
        }
        var graph = model.Graph ?? throw new InvalidDataException($"{source}: ONNX model has no graph");
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var accounted = new HashSet<string>(StringComparer.Ordinal);
        int named = 0,
            transposed = 0,
            buffers = 0,
            shapeConstants = 0;

        // 1. Linear weights: MatMul(x, W[in, out]) followed by Add(bias, ·) → "<bias stem>.weight" as [out, in].
        foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul" && initializers.ContainsKey(n.Input[1])))
        {
            var weight = initializers[matMul.Input[1]];
            var add = consumers[matMul.Output[0]].SingleOrDefault(n => n.OpType == "Add")
                ?? throw new InvalidDataException(
                    $"{source}: MatMul '{matMul.Name}' (weight '{weight.Name}') is not followed by a bias Add"
                );
            var bias = add.Input.FirstOrDefault(i =>
                i != matMul.Output[0] && i.EndsWith(".bias", StringComparison.Ordinal)
            ) ?? throw new InvalidDataException($"{source}: the Add after MatMul '{matMul.Name}' has no named bias");
            var name = bias[..^".bias".Length] + ".weight";
            if (weight.Dims.Count != 2)
                throw new InvalidDataException($"{source}: MatMul weight '{weight.Name}' ({name}) is not a matrix");
            // ONNX MatMul computes x·W with W [in, out]; torch.nn.Linear stores [out, in]: transpose once, here.
            Add(state, name, ToTensor(weight, source).t().contiguous(), source);
            accounted.Add(weight.Name);
            transposed++;
        }

        // 2. Gemm linears (the pooler): PyTorch exports them with transB=1, so the weight is already [out, in].
        foreach (var gemm in graph.Node.Where(n => n.OpType == "Gemm"))
        {
            var transB = gemm.Attribute.FirstOrDefault(a => a.Name == "transB")?.I ?? 0;
            if (transB != 1)
                throw new InvalidDataException(
                    $"{source}: Gemm '{gemm.Name}' without transB=1 is not a PyTorch Linear export"
                );
        }

        // 3. Everything else must be an HF-named parameter, the position_ids buffer, or a shape constant.
        foreach (var tensor in graph.Initializer.Where(t => !accounted.Contains(t.Name)))
        {
            if (tensor.Name == "embeddings.position_ids")
            {
                buffers++; // a non-persistent buffer (arange) in current HF BertModel: not part of the state dict
            }
            else if (
                tensor.DataType == (int)TensorProto.Types.DataType.Int64
                && tensor.Dims.Aggregate(1L, (a, d) => a * d) <= 1
            )
            {
                shapeConstants++; // reshape/slice plumbing the exporter emitted: heads, head size, slice bounds
            }
            else if (tensor.DataType == (int)TensorProto.Types.DataType.Float && IsHfName(tensor.Name))
            {
                Add(state, tensor.Name, ToTensor(tensor, source), source);
                named++;
            }
            else
            {
                throw new InvalidDataException(
                    $"{source}: initializer '{tensor.Name}' [{string.Join(", ", tensor.Dims)}] is not part of a "
                        + $"BERT export"
                );
            }
        }

        var config = InferConfig(graph, state, initializers, source);
        ExpectExactly(config, state, source);
        return new ImportResult(config, state, new ImportAccount(named, transposed, buffers, shapeConstants));
    }

    static bool IsHfName(string name) =>
        name.StartsWith("embeddings.", StringComparison.Ordinal)
        || name.StartsWith("encoder.layer.", StringComparison.Ordinal)
        || name.StartsWith("pooler.", StringComparison.Ordinal);

    static void Add(Dictionary<string, Tensor> state, string name, Tensor tensor, string source)
    {
        if (!state.TryAdd(name, tensor))
            throw new InvalidDataException($"{source}: tensor '{name}' recovered twice");
    }

    static Tensor ToTensor(TensorProto proto, string source)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"{source}: initializer '{proto.Name}' is not float32");
        var values =
            proto.RawData.Length > 0
                ? MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray()
                : proto.FloatData.ToArray();
        var shape = proto.Dims.ToArray();
        if (values.Length != shape.Aggregate(1L, (a, d) => a * d))
            throw new InvalidDataException(
                $"{source}: initializer '{proto.Name}' holds {values.Length} values for shape "
                    + $"[{string.Join(", ", shape)}]"
            );
        return tensor(values, shape);
    }

    static BertConfig InferConfig(
        GraphProto graph,
        Dictionary<string, Tensor> state,
        Dictionary<string, TensorProto> initializers,
        string source
    )
    {
        long Dim(string key, int axis) =>
            state.TryGetValue(key, out var t)
                ? t.shape[axis]
                : throw new InvalidDataException($"{source}: tensor '{key}' not found");
        var layers =
            state
                .Keys.Where(k => k.StartsWith("encoder.layer.", StringComparison.Ordinal))
                .Select(k => int.Parse(k.Split('.')[2]))
                .DefaultIfEmpty(-1)
                .Max() + 1;
        var hidden = (int)Dim("embeddings.word_embeddings.weight", 1);
        var (heads, headSize) = AttentionHeads(graph, initializers, source);
        if (heads * headSize != hidden)
            throw new InvalidDataException(
                $"{source}: attention reshapes to {heads} heads of {headSize}, but hidden size is {hidden}"
            );
        var erfs = graph.Node.Count(n => n.OpType == "Erf");
        if (erfs != layers)
            throw new InvalidDataException($"{source}: expected one erf GELU per layer ({layers}), found {erfs}");
        return new BertConfig
        {
            VocabSize = (int)Dim("embeddings.word_embeddings.weight", 0),
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            IntermediateSize = (int)Dim("encoder.layer.0.intermediate.dense.weight", 0),
            MaxPositionEmbeddings = (int)Dim("embeddings.position_embeddings.weight", 0),
            TypeVocabSize = (int)Dim("embeddings.token_type_embeddings.weight", 0),
            LayerNormEps = LayerNormEpsilon(graph, source),
            HiddenAct = "gelu",
        };
    }

    /// <summary>Heads and head size from the (B, T, nH, Hd) shapes the attention reshapes concatenate.</summary>
    static (int Heads, int HeadSize) AttentionHeads(
        GraphProto graph,
        Dictionary<string, TensorProto> initializers,
        string source
    )
    {
        var shapes = graph
            .Node.Where(n =>
                n.OpType == "Concat"
                && n.Input.Count == 4
                && initializers.ContainsKey(n.Input[2])
                && initializers.ContainsKey(n.Input[3])
            )
            .Select(n => ((int)Int64(initializers[n.Input[2]]), (int)Int64(initializers[n.Input[3]])))
            .Distinct()
            .ToList();
        return shapes.Count == 1
            ? shapes[0]
            : throw new InvalidDataException(
                $"{source}: cannot find the attention head split (found {shapes.Count} candidate shapes)"
            );
    }

    /// <summary>The epsilon added before Sqrt in each decomposed LayerNorm; all must agree.</summary>
    static double LayerNormEpsilon(GraphProto graph, string source)
    {
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var epsilons = graph
            .Node.Where(n => n.OpType == "Sqrt")
            .Select(s => producers[s.Input[0]])
            .SelectMany(add => add.Input.Where(i => producers.TryGetValue(i, out var p) && p.OpType == "Constant"))
            .Select(i => MemoryMarshal.Cast<byte, float>(producers[i].Attribute[0].T.RawData.Span)[0])
            // 1e-12f → 1e-12, as config.json says
            .Select(f => double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))
            .Distinct()
            .ToList();
        return epsilons.Count == 1
            ? epsilons[0]
            : throw new InvalidDataException(
                $"{source}: LayerNorm epsilons disagree or are missing ({epsilons.Count} found)"
            );
    }

    static long Int64(TensorProto proto) =>
        proto.RawData.Length >= 8 ? MemoryMarshal.Cast<byte, long>(proto.RawData.Span)[0] : proto.Int64Data[0];

    /// <summary>The recovered names and shapes must be exactly those of a BertModel built from the inferred
    /// config.</summary>
    static void ExpectExactly(BertConfig config, Dictionary<string, Tensor> state, string source)
    {
        using var expected = new BertModel(config);
        TorchSharp.torch.nn.Module module = expected;
        Checkpoints.StateDictLoader.LoadStrict(module, state, source);
    }
}
