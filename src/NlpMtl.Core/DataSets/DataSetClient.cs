using NlpMtl.Core.Downloads;
using NlpMtl.Core.IO;

namespace NlpMtl.Core.DataSets;

/// <summary> Downloads a <see cref="PublicDataSet"/>'s sources (resumable, each verified against its checksum), builds
/// its files in a scratch folder, verifies the outputs whose hashes are known, and only then moves the folder to
/// <c>ROOT/NAME</c>. A failure at any step leaves no <c>ROOT/NAME</c> behind (a previous complete one stays), only the
/// resumable <c>ROOT/.downloads/NAME/*.incomplete</c>. </summary>
public sealed class DataSetClient
{
    readonly HttpFileDownloader downloader;

    public DataSetClient(DataSetClientOptions? options = null)
    {
        Options = options ?? new DataSetClientOptions();
        downloader = new HttpFileDownloader(HttpFileDownloader.Shared)
        {
            MaxAttempts = Options.MaxAttempts,
            RetryDelay = Options.RetryDelay,
        };
    }

    public DataSetClientOptions Options { get; }

    /// <summary>The URL a source is fetched from: its own, or its place under the mirror.</summary>
    public Uri SourceUrl(DataSource source) =>
        Options.Mirror is { } mirror ? new Uri(mirror, source.Url.Host + source.Url.AbsolutePath) : source.Url;

    /// <summary>Builds <paramref name="set"/> into <c><paramref name="root"/>/NAME</c> and returns that
    /// folder.</summary>
    public async Task<string> GetAsync(
        PublicDataSet set,
        string root,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(root);
        root = Path.GetFullPath(root);
        var downloads = Path.Combine(root, ".downloads", set.Name);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in set.Sources)
        {
            var path = Path.Combine(downloads, source.FileName);
            sources[source.FileName] = path;
            if (File.Exists(path) && source.Checksum.Compute(path) == source.Checksum.Hex)
                continue; // verified by an earlier run
            await downloader.DownloadAsync(
                new DownloadRequest(SourceUrl(source), path, $"{set.Name}/{source.FileName}")
                {
                    Size = source.Size,
                    Checksums = [source.Checksum],
                },
                progress,
                cancellationToken
            );
        }

        var target = Path.Combine(root, set.Name);
        StagedDirectory.Write(target, scratch =>
        {
            set.Build(sources, scratch);
            VerifyOutputs(set, scratch);
        });
        // the sources are rebuilt from their canonical URLs if ever needed again
        Directory.Delete(downloads, recursive: true);
        if (!Directory.EnumerateFileSystemEntries(Path.Combine(root, ".downloads")).Any())
            Directory.Delete(Path.Combine(root, ".downloads"));
        return target;
    }

    static void VerifyOutputs(PublicDataSet set, string directory)
    {
        foreach (var output in set.Outputs)
        {
            var path = Path.Combine(directory, output.FileName);
            if (!File.Exists(path))
                throw new InvalidDataException($"{set.Name}/{output.FileName}: the conversion did not write it");
            if (output.Sha256 is not { } expected)
                continue;
            var actual = Checksum.Sha256(expected).Compute(path);
            if (actual != expected)
                throw new InvalidDataException(
                    $"{set.Name}/{output.FileName}: sha256 mismatch after conversion: expected {expected}, got {actual}"
                );
        }
    }
}
