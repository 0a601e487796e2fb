using System.Text.RegularExpressions;

namespace NlpMtl.Core.Hub;

/// <summary>A model repository on the Hub and the revision wanted: <c>ORG/NAME</c> or <c>ORG/NAME@REVISION</c> (branch,
/// tag or commit).</summary>
public sealed partial record HubModelId(string Repo, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary>The cache folder name the Python <c>huggingface_hub</c> gives this repository.</summary>
    public string CacheFolder => "models--" + Repo.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>A 40-hex-digit revision names a commit: it needs no ref in the cache.</summary>
    public bool RevisionIsCommit => CommitPattern().IsMatch(Revision);

    public static HubModelId Parse(string text) =>
        TryParse(text, out var id)
            ? id
            : throw new FormatException($"'{text}' is not a Hub model id (ORG/NAME or ORG/NAME@REVISION)");

    public static bool TryParse(string? text, out HubModelId id)
    {
        id = null!;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var at = text.IndexOf('@');
        var repo = at < 0 ? text : text[..at];
        var revision = at < 0 ? DefaultRevision : text[(at + 1)..];
        // The Hub's rules for names: letters, digits, '-', '_', '.'; no '--' or '..'; not starting or ending with '-'
        // or '.'.
        if (
            !RepoPattern().IsMatch(repo)
            || repo.Contains("--", StringComparison.Ordinal)
            || repo.Contains("..", StringComparison.Ordinal)
        )
            return false;
        if (
            revision.Length == 0
            || revision.Contains("..", StringComparison.Ordinal)
            || revision.Any(char.IsWhiteSpace)
        )
            return false;
        id = new HubModelId(repo, revision);
        return true;
    }

    public override string ToString() => Revision == DefaultRevision ? Repo : $"{Repo}@{Revision}";

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")]
    private static partial Regex RepoPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
