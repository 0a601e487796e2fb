using System.Text.Json;
using NlpMtl.Core.Downloads;
using NlpMtl.Core.Hub;
using NlpMtl.Modeling.Bert;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>
/// A BERT-family checkpoint from the Hub: config.json (its model_type checked before any weight is fetched), the
/// weights in from_pretrained's order of preference (model.safetensors, its shard index and every shard,
/// pytorch_model.bin, its index and shards) and the tokenizer files the repository has.
/// </summary>
public static class HubCheckpoint
{
    /// <summary>Tokenizer files copied when present; a checkpoint needs tokenizer.json or vocab.txt.</summary>
    public static readonly string[] TokenizerFiles =
    [
        CheckpointFiles.Vocab,
        CheckpointFiles.TokenizerJson,
        CheckpointFiles.TokenizerConfig,
        "special_tokens_map.json",
    ];

    /// <summary>
    /// The snapshot folder in the Hub cache holding the whole checkpoint, downloading what is missing. Offline
    /// (HF_HUB_OFFLINE), the cache alone answers and a missing checkpoint is an error that says so; when the Hub cannot
    /// be reached at all, a checkpoint cached before is used.
    /// </summary>
    /// <summary>What the CLI does: the Hub and cache the environment names (HF_*), progress on the console.</summary>
    public static Task<string> DownloadAsync(HubModelId id, CancellationToken cancellationToken = default) =>
        DownloadAsync(
            new HubClient(HubClientOptions.FromEnvironment()),
            id,
            new ConsoleDownloadProgress(),
            cancellationToken
        );

    public static async Task<string> DownloadAsync(
        HubClient client,
        HubModelId id,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(id);
        if (client.Options.Offline)
            return Cached(client, id);

        HubSnapshot snapshot;
        try
        {
            snapshot = await client.GetSnapshotAsync(id, cancellationToken);
        }
        catch (HttpRequestException e) when (e.StatusCode is null && client.Cache.FindSnapshot(id) is not null)
        {
            // No connection at all (not an answer from the Hub): as huggingface_hub does, use what the cache resolved
            // before.
            return Cached(client, id);
        }
        if (!snapshot.Files.ContainsKey(CheckpointFiles.Config))
            throw new InvalidDataException(
                $"{id}: the repository has no {CheckpointFiles.Config}, so it is not a transformers checkpoint"
            );
        CheckModelType(
            id,
            await client.DownloadBlobAsync(snapshot, CheckpointFiles.Config, progress, cancellationToken)
        );

        var files = new List<string> { CheckpointFiles.Config };
        files.AddRange(await WeightFilesAsync(client, snapshot, progress, cancellationToken));
        files.AddRange(TokenizerFiles.Where(snapshot.Files.ContainsKey));
        if (!files.Contains(CheckpointFiles.Vocab) && !files.Contains(CheckpointFiles.TokenizerJson))
            throw new InvalidDataException(
                $"{id}: the repository has neither {CheckpointFiles.TokenizerJson} nor {CheckpointFiles.Vocab}, "
                    + $"so its tokenizer cannot be read"
            );
        return await client.DownloadAsync(snapshot, files, progress, cancellationToken);
    }

    /// <summary>Copies the checkpoint's files (not links) into <paramref name="directory"/>: a plain HF checkpoint
    /// folder.</summary>
    public static IReadOnlyList<string> CopyTo(string snapshot, string directory)
    {
        Directory.CreateDirectory(directory);
        var copied = new List<string>();
        foreach (var file in Directory.EnumerateFiles(snapshot).Order(StringComparer.Ordinal))
        {
            var target = Path.Combine(directory, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true); // File.Copy follows the snapshot's links to the blobs
            copied.Add(target);
        }
        return copied;
    }

    static string Cached(HubClient client, HubModelId id)
    {
        var snapshot = client.Cache.FindSnapshot(id)
            ?? throw new FileNotFoundException(
                $"{id}: not in the Hub cache at {client.Cache.RepoDirectory(id)} and HF_HUB_OFFLINE is set; "
                    + $"download it once online"
            );
        try
        {
            CheckModelType(id, Path.Combine(snapshot, CheckpointFiles.Config));
            CheckpointFiles.WeightFiles(snapshot);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException(
                $"{id}: the cached snapshot is incomplete and HF_HUB_OFFLINE is set ({e.Message})",
                e
            );
        }
        return snapshot;
    }

    static void CheckModelType(HubModelId id, string configPath)
    {
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{configPath}: {CheckpointFiles.Config} is missing");
        string? modelType;
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            modelType = config.RootElement.TryGetProperty("model_type", out var type) ? type.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{id}: {CheckpointFiles.Config} is not valid JSON ({e.Message})", e);
        }
        if (modelType is null || !BertConfig.SupportedModelTypes.Contains(modelType))
            throw new NotSupportedException(
                $"{id}: model_type '{modelType ?? "(none)"}' is not a BERT-family model (supported: "
                    + $"{string.Join(", ", BertConfig.SupportedModelTypes)})"
            );
    }

    static async Task<IReadOnlyList<string>> WeightFilesAsync(
        HubClient client,
        HubSnapshot snapshot,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken
    )
    {
        foreach (
            var (single, index) in new[]
            {
                (CheckpointFiles.Safetensors, CheckpointFiles.SafetensorsIndex),
                (CheckpointFiles.PyTorchBin, CheckpointFiles.PyTorchBinIndex),
            }
        )
        {
            if (snapshot.Files.ContainsKey(single))
                return [single];
            if (!snapshot.Files.ContainsKey(index))
                continue;
            var shards = Shards(
                snapshot,
                index,
                await client.DownloadBlobAsync(snapshot, index, progress, cancellationToken)
            );
            return [index, .. shards];
        }
        throw new InvalidDataException(
            $"{snapshot.Id}: no weights at commit {snapshot.Commit} (expected {CheckpointFiles.Safetensors}, "
                + $"{CheckpointFiles.PyTorchBin} or a shard index)"
        );
    }

    static IReadOnlyList<string> Shards(HubSnapshot snapshot, string index, string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        if (!json.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{snapshot.Id}: {index} has no 'weight_map'");
        var shards = map.EnumerateObject()
            .Select(p => p.Value.GetString()!)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var shard in shards.Where(s => !snapshot.Files.ContainsKey(s)))
            throw new InvalidDataException(
                $"{snapshot.Id}: {index} names shard {shard}, which the repository does not have"
            );
        return shards;
    }
}
