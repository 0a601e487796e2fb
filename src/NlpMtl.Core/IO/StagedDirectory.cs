namespace NlpMtl.Core.IO;

/// <summary>
/// Replaces a folder whole: the new content is written into a sibling staging folder and renamed into place, so a
/// reader sees the old folder or the new one, never a mix. A process killed while writing leaves the old folder as
/// it was (and a <c>TARGET.partial-…</c> folder that is visibly not it); one killed between the two renames leaves
/// the old folder as <c>TARGET.previous</c>, which <see cref="Recover"/> puts back.
/// </summary>
/// <remarks>Used for model bundles, data sets and training checkpoints (whose <c>last/</c> is rewritten at every
/// evaluation and must never hold new weights beside an old optimizer state).</remarks>
public static class StagedDirectory
{
    public const string PartialSuffix = ".partial-";
    public const string PreviousSuffix = ".previous";

    /// <summary>Fills a new, empty staging folder beside <paramref name="target"/> with <paramref name="write"/>
    /// and then swaps it in; if <paramref name="write"/> throws, the staging folder is deleted and the target is
    /// untouched.</summary>
    public static void Write(string target, Action<string> write)
    {
        target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        var staging = $"{target}{PartialSuffix}{Guid.NewGuid():N}"[..(target.Length + PartialSuffix.Length + 8)];
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            Swap(staging, target);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    /// <summary>Moves the complete folder <paramref name="staging"/> to <paramref name="target"/>, replacing
    /// whatever is there.</summary>
    static void Swap(string staging, string target)
    {
        var previous = target + PreviousSuffix;
        TryDelete(previous); // a swap cut earlier: the target it would restore is being replaced anyway
        if (Directory.Exists(target))
            Directory.Move(target, previous);
        else
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Directory.Move(staging, target);
        TryDelete(previous);
    }

    /// <summary>Puts <c>TARGET.previous</c> back when a swap was cut between its two renames (the target is
    /// missing); returns whether it did.</summary>
    public static bool Recover(string target)
    {
        target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        var previous = target + PreviousSuffix;
        if (Directory.Exists(target) || !Directory.Exists(previous))
            return false;
        Directory.Move(previous, target);
        return true;
    }

    static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover .partial- or .previous folder is visibly not the target
        }
    }
}
