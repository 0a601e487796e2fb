namespace NlpMtl.TestSupport;

/// <summary>Locations in the checkout, found from the test assembly's folder (tests that run scripts/).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NlpMtl.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no NlpMtl.sln above {AppContext.BaseDirectory}");
    }
}
