using Azure.Storage.Blobs;

namespace NlpMtl.Worker.Commands;

/// <summary>Copies blobs whose names end with a suffix into a folder (blob names are flat, so file names are safe).</summary>
public static class ResultDownloader
{
    public static async Task<int> DownloadAsync(BlobContainerClient container, string suffix, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        if (!await container.ExistsAsync(cancellationToken)) return 0;
        var count = 0;
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (!blob.Name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var path = Path.Combine(directory, Path.GetFileName(blob.Name));
            await container.GetBlobClient(blob.Name).DownloadToAsync(path, cancellationToken);
            count++;
        }
        return count;
    }
}
