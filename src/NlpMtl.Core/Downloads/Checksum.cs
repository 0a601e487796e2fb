using System.Security.Cryptography;
using System.Text;

namespace NlpMtl.Core.Downloads;

/// <summary>A digest a downloaded file must have: SHA-256, MD5 (where a source publishes only that) or a git blob
/// id.</summary>
public sealed record Checksum(string Algorithm, string Hex)
{
    public static Checksum Sha256(string hex) => new("sha256", hex.ToLowerInvariant());

    public static Checksum Md5(string hex) => new("md5", hex.ToLowerInvariant());

    /// <summary>Git's object id of a file: SHA-1 over <c>"blob {size}\0"</c> and the content. The Hub reports it for
    /// files not in LFS.</summary>
    public static Checksum GitBlobSha1(string hex) => new("git-sha1", hex.ToLowerInvariant());

    /// <summary>Hashes <paramref name="path"/> the way <see cref="Algorithm"/> says.</summary>
    public string Compute(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var hash = Algorithm switch
        {
            "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            "md5" => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
            "git-sha1" => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
            _ => throw new NotSupportedException($"checksum algorithm '{Algorithm}'"),
        };
        if (Algorithm == "git-sha1")
            hash.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
            hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public override string ToString() => $"{Algorithm}:{Hex}";
}
