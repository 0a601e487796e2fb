namespace NlpMtl.Core.DataSets;

/// <summary>Options of <see cref="DataSetClient"/>.</summary>
public sealed class DataSetClientOptions
{
    /// <summary>The variable naming a mirror (<see cref="Mirror"/>) for the CLI.</summary>
    public const string MirrorVariable = "NLPMTL_DATA_MIRROR";

    /// <summary> Fetch every source from <c>MIRROR/HOST/PATH</c> instead of its canonical URL (an internal mirror, a
    /// test server). The checksums still apply, so a mirror cannot change the data. </summary>
    public Uri? Mirror { get; set; }
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public static DataSetClientOptions FromEnvironment() =>
        new()
        {
            Mirror = Environment.GetEnvironmentVariable(MirrorVariable) is { Length: > 0 } mirror
                ? new Uri(mirror.TrimEnd('/') + "/")
                : null,
        };
}
