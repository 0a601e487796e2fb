namespace NlpMtl.TestSupport;

/// <summary>
/// Scratch directories for tests, all under one folder per test process that is removed when the process exits, so a
/// test run leaves nothing in the temp folder (tests that fail keep theirs until then, for a look with a debugger).
/// </summary>
public static class Scratch
{
    static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory($"nlpmtl-tests-{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(root);
        return root;
    });

    /// <summary>A new, empty directory whose name starts with <paramref name="prefix"/>.</summary>
    public static DirectoryInfo CreateDirectory(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, $"{prefix}{Guid.NewGuid():N}"));

    static void Remove(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException) { } // a child process still writing: the temp folder's own cleanup takes it
        catch (UnauthorizedAccessException) { }
    }
}
