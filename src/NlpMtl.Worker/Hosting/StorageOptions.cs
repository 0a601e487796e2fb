using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;

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
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(400);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <c>serve</c> keeps trying to reach storage at start before it exits non-zero (health is
    /// Unhealthy meanwhile); once it has reached storage, outages are waited out however long they last.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString == (AccountUri is not null))
            yield return new ValidationResult(
                "set exactly one of Storage:ConnectionString (env Storage__ConnectionString) or Storage:AccountUri",
                [nameof(ConnectionString), nameof(AccountUri)]
            );
        if (hasConnectionString && !Parses(ConnectionString!))
            yield return new ValidationResult(
                "Storage:ConnectionString is not a storage connection string (expected name=value pairs separated "
                    + "by ';', e.g. "
                    + "AccountName=…;AccountKey=…;BlobEndpoint=… or UseDevelopmentStorage=true)",
                [nameof(ConnectionString)]
            );
        if (AccountUri is { IsAbsoluteUri: false })
            yield return new ValidationResult("Storage:AccountUri must be an absolute https URI", [nameof(AccountUri)]);
    }

    /// <summary>The SDK's own parser (no request is made); its message is not echoed, as it may quote the
    /// secret.</summary>
    static bool Parses(string connectionString)
    {
        try
        {
            _ = new BlobServiceClient(connectionString);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
