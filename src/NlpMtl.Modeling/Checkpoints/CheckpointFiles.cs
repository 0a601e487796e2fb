using System.Text.Json;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>The file names of an HF checkpoint directory, in the order HF's <c>from_pretrained</c> prefers
/// them.</summary>
public static class CheckpointFiles
{
    public const string Config = "config.json";
    public const string Safetensors = "model.safetensors";
    public const string SafetensorsIndex = "model.safetensors.index.json";
    public const string PyTorchBin = "pytorch_model.bin";
    public const string PyTorchBinIndex = "pytorch_model.bin.index.json";
    public const string Vocab = "vocab.txt";
    public const string TokenizerConfig = "tokenizer_config.json";
    public const string TokenizerJson = Core.Tokenization.TokenizerSource.TokenizerJsonFile;

    /// <summary>The weight files of <paramref name="directory"/>: one file, or every shard an index names.</summary>
    public static IReadOnlyList<string> WeightFiles(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: checkpoint directory not found");
        foreach (var single in new[] { Safetensors, PyTorchBin })
        {
            var path = Path.Combine(directory, single);
            if (File.Exists(path))
                return [path];
        }
        foreach (var index in new[] { SafetensorsIndex, PyTorchBinIndex })
        {
            var path = Path.Combine(directory, index);
            if (File.Exists(path))
                return ShardsOf(path);
        }
        throw new FileNotFoundException(
            $"{directory}: no weights found (expected {Safetensors}, {PyTorchBin}, {SafetensorsIndex} or "
                + $"{PyTorchBinIndex})"
        );
    }

    static IReadOnlyList<string> ShardsOf(string indexPath)
    {
        JsonDocument index;
        try
        {
            index = JsonDocument.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath}: not a valid shard index ({e.Message})", e);
        }
        using (index)
        {
            if (!index.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{indexPath}: missing 'weight_map'");
            var directory = Path.GetDirectoryName(indexPath)!;
            var shards = map.EnumerateObject()
                .Select(p =>
                    p.Value.GetString()
                    ?? throw new InvalidDataException($"{indexPath}: weight_map entry '{p.Name}' has no file")
                )
                .Distinct()
                .Order(StringComparer.Ordinal)
                .Select(f => Path.Combine(directory, f))
                .ToList();
            foreach (var shard in shards.Where(s => !File.Exists(s)))
                throw new FileNotFoundException($"{indexPath}: shard {Path.GetFileName(shard)} is missing");
            return shards;
        }
    }
}
