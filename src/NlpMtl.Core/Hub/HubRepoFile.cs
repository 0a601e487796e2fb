namespace NlpMtl.Core.Hub;

/// <summary> A file of a repository at one commit as the Hub's tree API states it: its size, its git blob id and, for
/// files in LFS, the SHA-256 of its content. The cache names blobs by the ETag the Hub serves, which is the SHA-256 for
/// LFS files and the git blob id otherwise. </summary>
public sealed record HubRepoFile(string Path, long Size, string BlobId, string? Sha256)
{
    public string Etag => Sha256 ?? BlobId;
}

/// <summary>A repository revision resolved to its commit, with its top-level files.</summary>
public sealed record HubSnapshot(HubModelId Id, string Commit, IReadOnlyDictionary<string, HubRepoFile> Files);
