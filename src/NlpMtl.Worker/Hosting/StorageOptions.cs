using System.ComponentModel.DataAnnotations;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// <c>Storage</c>: where the queue lives. Either <c>ConnectionString</c> (Azurite, keys; a secret, never logged) or
/// <c>AccountUri</c> with <c>DefaultAzureCredential</c> (managed identity in Azure).
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    public string? ConnectionString { get; set; }
    public Uri? AccountUri { get; set; }

    /// <summary>SDK retries per request (exponential back-off); our code never retries storage calls itself.</summary>
    [Range(0, 20)] public int MaxRetries { get; set; } = 4;
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(400);
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")] public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString == (AccountUri is not null))
            yield return new ValidationResult(
                "set exactly one of Storage:ConnectionString (env Storage__ConnectionString) or Storage:AccountUri",
                [nameof(ConnectionString), nameof(AccountUri)]);
        if (AccountUri is { IsAbsoluteUri: false })
            yield return new ValidationResult("Storage:AccountUri must be an absolute https URI", [nameof(AccountUri)]);
    }
}
