using NlpMtl.Modeling.Bert;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>Loads and saves HF BERT-family checkpoint directories (config.json + weights) as
/// <see cref="BertModel"/>.</summary>
public static class BertCheckpoint
{
    /// <summary>Weights of HF task heads that a bare encoder does not use (BertForPreTraining,
    /// BertForSequenceClassification…).</summary>
    static readonly string[] HeadPrefixes = ["cls.", "classifier.", "qa_outputs."];

    /// <summary>Loads <paramref name="directory"/> strictly (see <see cref="StateDictLoader"/>).</summary>
    public static BertModel Load(string directory)
    {
        var config = BertConfig.Load(Path.Combine(directory, CheckpointFiles.Config));
        var files = CheckpointFiles.WeightFiles(directory);
        var source = files.Count == 1 ? files[0] : directory;
        return StateDictLoader.LoadInto(new BertModel(config), files, source, read => NormaliseNames(read, config));
    }

    /// <summary>Writes config.json and model.safetensors with HF names and layouts.</summary>
    public static void Save(BertModel model, string directory)
    {
        Directory.CreateDirectory(directory);
        model.Config.Save(Path.Combine(directory, CheckpointFiles.Config));
        WriteSafetensors(Path.Combine(directory, CheckpointFiles.Safetensors), model.state_dict());
    }

    /// <summary>
    /// Writes a safetensors file, replacing any file there. PyBridge's path overload opens without truncating, so an
    /// overwrite of a larger file would keep its tail: we hand it a stream we created.
    /// </summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var stream = File.Create(path);
        TorchSharp.PyBridge.Safetensors.SaveStateDict(
            stream,
            tensors.ToDictionary(p => p.Key, p => p.Value),
            leaveOpen: true
        );
    }

    /// <summary>
    /// HF checkpoints of task models prefix the encoder with <c>bert.</c>; original Google conversions name LayerNorm
    /// parameters <c>gamma</c>/<c>beta</c>; older exports persist the <c>position_ids</c> buffer. HF's loader accepts
    /// all three, and so do we. Head weights are dropped only when config.json names a head architecture.
    /// </summary>
    static Dictionary<string, Tensor> NormaliseNames(Dictionary<string, Tensor> tensors, BertConfig config)
    {
        var hasHead = config.Architectures.Any(a => a != "BertModel");
        var multiTask = config.Architectures.Contains("NlpMtlMultiTaskModel");
        var prefixed = tensors.Keys.Any(k => k.StartsWith("bert.", StringComparison.Ordinal));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in tensors)
        {
            var name = key;
            if (prefixed)
            {
                if (name.StartsWith("bert.", StringComparison.Ordinal))
                    name = name["bert.".Length..];
                else if (hasHead && HeadPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                    continue;
            }
            if (name == "embeddings.position_ids")
                continue;
            if (multiTask && name.StartsWith("heads.", StringComparison.Ordinal))
                continue; // NlpMtl task heads: not the encoder's
            if (name.EndsWith(".gamma", StringComparison.Ordinal))
                name = name[..^".gamma".Length] + ".weight";
            else if (name.EndsWith(".beta", StringComparison.Ordinal))
                name = name[..^".beta".Length] + ".bias";
            result[name] = tensor;
        }
        return result;
    }
}
