using System.Security.Cryptography;
using System.Text;

namespace NlpMtl.Queue;

/// <summary>Blob names of the queue contract (README, "Queue and serving").</summary>
public static class QueueNames
{
    public const string ResultSuffix = ".result.jsonl";
    public const string ErrorSuffix = ".error.json";

    /// <summary>Azure's limit on a blob name's length; a derived name that would pass it is shortened with a
    /// hash.</summary>
    public const int MaxBlobName = 1024;

    /// <summary>Poison records of inbox names the SDK cannot address live under this folder of the poison
    /// container.</summary>
    public const string UnaddressableFolder = "_unaddressable/";

    public static string Inbox(string prefix) => $"{prefix}-inbox";

    public static string Results(string prefix) => $"{prefix}-results";

    public static string Poison(string prefix) => $"{prefix}-poison";

    public static string ResultOf(string job) => Fit(job, ResultSuffix);

    public static string ErrorOf(string job) => Fit(job, ErrorSuffix);

    /// <summary>Where a poisoned job's bytes are copied: its own name when that is a legal blob name.</summary>
    public static string PoisonCopyOf(string job) => Fit(job, "");

    /// <summary>
    /// The job name that stands for <paramref name="job"/> with other content (<paramref name="contentHash"/>):
    /// <c>a.json</c> becomes <c>a~0123456789ab.json</c>, keeping the extension the parser reads (.txt).
    /// Both <c>enqueue</c> (a name already waiting or done with other content) and the worker (a result already
    /// written for other content) use it, so one content under one name always lands on one result.
    /// </summary>
    public static string Versioned(string job, string contentHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentHash);
        var slash = job.LastIndexOf('/');
        var dot = job.LastIndexOf('.');
        var tag = "~" + contentHash[..Math.Min(12, contentHash.Length)];
        return dot > slash + 1 ? job[..dot] + tag + job[dot..] : job + tag;
    }

    /// <summary>Lower-case hex SHA-256: a job's content identity, recorded on its result.</summary>
    public static string ContentHash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The record name for an inbox name that cannot be addressed: dot segments and leading slashes made
    /// harmless, made unique by a hash of the original name (which the record itself quotes).</summary>
    public static string UnaddressableErrorOf(string job)
    {
        var safe = string.Join(
            '/',
            job.Split('/')
                .Select(s =>
                    s is "" ? "_"
                    : s is "." or ".." ? s.Replace('.', '_')
                    : s
                )
        );
        return Fit(UnaddressableFolder + safe + "~" + NameHash(job), ErrorSuffix);
    }

    /// <summary><paramref name="name"/> + <paramref name="suffix"/>, or when that is over <see cref="MaxBlobName"/>,
    /// the name cut short and tagged with a hash of the whole name (so two long names never share a result).</summary>
    static string Fit(string name, string suffix)
    {
        if (name.Length + suffix.Length <= MaxBlobName)
            return name + suffix;
        var tag = "~" + NameHash(name);
        var keep = MaxBlobName - suffix.Length - tag.Length;
        if (char.IsHighSurrogate(name[keep - 1]))
            keep--; // never split a surrogate pair
        return name[..keep] + tag + suffix;
    }

    /// <summary>16 hex digits of the name's SHA-256: the tag of shortened and hash-suffixed names.</summary>
    public static string NameHash(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];
}
