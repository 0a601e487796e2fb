namespace NlpMtl.Core.Hub;

/// <summary> The Hub's cache layout, as the Python <c>huggingface_hub</c> writes it, so that both share files:
/// <c>models--ORG--NAME/blobs/ETAG</c> (content; <c>ETAG.incomplete</c> while downloading),
/// <c>snapshots/COMMIT/FILE</c> (relative symbolic links to the blobs) and <c>refs/REVISION</c> (the commit a branch or
/// tag pointed at when last resolved). </summary>
public sealed class HubCache(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public string RepoDirectory(HubModelId id) => Path.Combine(Directory, id.CacheFolder);

    public string BlobPath(HubModelId id, string etag) => Path.Combine(RepoDirectory(id), "blobs", etag);

    public string SnapshotDirectory(HubModelId id, string commit) =>
        Path.Combine(RepoDirectory(id), "snapshots", commit);

    public string RefPath(HubModelId id) => Path.Combine(RepoDirectory(id), "refs", id.Revision);

    /// <summary>The cached snapshot <paramref name="id"/>'s revision resolves to, or null when the cache has
    /// none.</summary>
    public string? FindSnapshot(HubModelId id)
    {
        var commit =
            id.RevisionIsCommit ? id.Revision
            : File.Exists(RefPath(id)) ? File.ReadAllText(RefPath(id)).Trim()
            : null;
        if (commit is null)
            return null;
        var snapshot = SnapshotDirectory(id, commit);
        return System.IO.Directory.Exists(snapshot) ? snapshot : null;
    }

    /// <summary>True when <c>snapshots/COMMIT/FILE</c> exists and its blob is there (a dangling link is not a
    /// file).</summary>
    public bool HasFile(HubModelId id, string commit, string file) =>
        File.Exists(Path.Combine(SnapshotDirectory(id, commit), file));

    /// <summary>
    /// Points <c>snapshots/COMMIT/FILE</c> at its blob with a relative link, as huggingface_hub does; where the file
    /// system refuses links (Windows without developer mode), the blob is copied, as it does too.
    /// </summary>
    public void Link(HubModelId id, string commit, string file, string etag)
    {
        var link = Path.Combine(SnapshotDirectory(id, commit), file);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        var blob = BlobPath(id, etag);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null)
            File.Delete(link);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Copy(blob, link, overwrite: true);
        }
    }

    /// <summary> Holds <c>.locks/models--ORG--NAME/ETAG.lock</c> while a blob is downloaded, where huggingface_hub
    /// keeps its locks: .NET takes FileShare.None as an exclusive flock on Unix, as Python's filelock does, so two
    /// downloads of one blob (two runs, or a run and a Python process) wait for each other instead of writing one
    /// .incomplete file together. </summary>
    public async Task<IAsyncDisposable> LockAsync(
        HubModelId id,
        string etag,
        CancellationToken cancellationToken = default
    )
    {
        var path = Path.Combine(Directory, ".locks", id.CacheFolder, etag + ".lock");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>Records the commit a branch or tag resolved to, so that offline use finds it.</summary>
    public void WriteRef(HubModelId id, string commit)
    {
        if (id.RevisionIsCommit)
            return;
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(RefPath(id))!);
        File.WriteAllText(RefPath(id), commit);
    }
}
