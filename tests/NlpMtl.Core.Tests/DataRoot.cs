namespace NlpMtl.Core.Tests;

/// <summary>
/// The folder of public data sets that some tests read (<c>NLPMTL_DATA</c>; <c>.ci/run</c> sets it). Tests that need
/// it are <see cref="DataFactAttribute"/>s: without the data root, or without the file under it, they are reported as
/// skipped with the reason, never passed.
/// </summary>
public static class DataRoot
{
    public const string Variable = "NLPMTL_DATA";

    public static string? Directory =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } root ? root : null;

    public static string PathOf(string relative) =>
        Path.Combine(Directory ?? throw new InvalidOperationException($"{Variable} is not set"), relative);
}

/// <summary>A fact that runs only when every named file exists under the data root.</summary>
public sealed class DataFactAttribute : FactAttribute
{
    public DataFactAttribute(params string[] files)
    {
        if (DataRoot.Directory is not { } root)
            Skip = $"{DataRoot.Variable} is not set: no data root, so {string.Join(", ", files)} cannot be read";
        else if (files.FirstOrDefault(f => !File.Exists(Path.Combine(root, f))) is { } missing)
            Skip = $"{Path.Combine(root, missing)} not found under the data root {DataRoot.Variable}={root}";
    }
}
