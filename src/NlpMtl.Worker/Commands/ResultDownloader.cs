using System.Text;
using Azure.Storage.Blobs;
using NlpMtl.Queue;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// Copies blobs whose names end with a suffix into one folder. Every blob name maps to its own file name there
/// (<see cref="LocalName"/>: flat, percent-encoded, hash-suffixed when long), so nothing lands outside the folder and
/// no two blobs share a file. A blob that fails is reported and the rest still download.
/// </summary>
public static class ResultDownloader
{
    /// <summary>Bytes a file name may have on common file systems (ext4, APFS, NTFS in UTF-16 units).</summary>
    const int MaxFileNameBytes = 255;

    public sealed record Outcome(int Written, IReadOnlyList<(string Blob, string Error)> Failed);

    public static async Task<Outcome> DownloadAsync(
        BlobContainerClient container,
        string suffix,
        string directory,
        CancellationToken cancellationToken
    )
    {
        Directory.CreateDirectory(directory);
        var failed = new List<(string, string)>();
        if (!await container.ExistsAsync(cancellationToken))
            return new Outcome(0, failed);
        var written = 0;
        // Case-insensitive file systems (macOS, Windows) would merge names differing only in case: those get a hash
        // too.
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (!blob.Name.EndsWith(suffix, StringComparison.Ordinal))
                continue;
            var local = LocalName(blob.Name);
            if (!used.Add(local))
                used.Add(local = LocalName(blob.Name, forceHash: true));
            var path = Path.Combine(directory, local);
            // short: the target may use all 255 bytes
            var partial = Path.Combine(directory, $".nlpmtl-{Guid.NewGuid():N}.partial");
            try
            {
                // Written beside the target and renamed: a failed download leaves no empty or half file.
                await container.GetBlobClient(blob.Name).DownloadToAsync(partial, cancellationToken);
                File.Move(partial, path, overwrite: true);
                written++;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    File.Delete(partial);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
                failed.Add((blob.Name, Hosting.ErrorText.Short(e)));
            }
        }
        return new Outcome(written, failed);
    }

    /// <summary>
    /// A file name for a blob name: '/', '\', '%', control characters and characters Windows forbids are
    /// percent-encoded (so the mapping is one-to-one and never a path), and a name over 255 bytes keeps its start and
    /// its suffix around a hash of the whole name.
    /// </summary>
    public static string LocalName(string blobName, bool forceHash = false)
    {
        var encoded = new StringBuilder(blobName.Length);
        foreach (var rune in blobName.EnumerateRunes())
        {
            if (rune.IsAscii && (rune.Value < 0x20 || rune.Value == 0x7F || "/\\%:*?\"<>|".Contains((char)rune.Value)))
                encoded.Append($"%{rune.Value:X2}");
            else
                encoded.Append(rune.ToString());
        }
        var name = encoded.ToString();
        if (name.StartsWith('.'))
            name = "%2E" + name[1..]; // no hidden files, never "." or ".."
        if (!forceHash && Encoding.UTF8.GetByteCount(name) <= MaxFileNameBytes)
            return name;

        var hash = "~" + QueueNames.NameHash(blobName);
        var extension = TailExtension(name);
        var budget = MaxFileNameBytes - Encoding.UTF8.GetByteCount(hash + extension);
        var head = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name[..^extension.Length].EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > budget)
                break;
            bytes += rune.Utf8SequenceLength;
            head.Append(rune.ToString());
        }
        return head + hash + extension;
    }

    /// <summary>The suffix kept on shortened names: <c>.result.jsonl</c> / <c>.error.json</c> style, up to 32
    /// characters.</summary>
    static string TailExtension(string name)
    {
        foreach (var known in new[] { QueueNames.ResultSuffix, QueueNames.ErrorSuffix })
            if (name.EndsWith(known, StringComparison.Ordinal))
                return known;
        var dot = name.LastIndexOf('.');
        return dot > 0 && name.Length - dot <= 32 ? name[dot..] : "";
    }
}
