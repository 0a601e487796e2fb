namespace NlpMtl.Core.Hub;

/// <summary>
/// Where and how <see cref="HubClient"/> talks to the Hub. <see cref="FromEnvironment"/> reads the variables the Python
/// <c>huggingface_hub</c> reads, with the same defaults, so both share one cache and one login.
/// </summary>
public sealed class HubClientOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>The hub cache: <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
    /// <c>~/.cache/huggingface/hub</c>.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(DefaultHome(), "hub");

    /// <summary>Sent as a bearer token to the endpoint (private and gated models); never logged.</summary>
    public string? Token { get; set; }

    /// <summary>Serve from the cache only; no request is made.</summary>
    public bool Offline { get; set; }

    /// <summary>Attempts per file; each one after the first resumes where the last stopped.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN (else the token file <c>huggingface-cli login</c> writes),
    /// HF_HUB_OFFLINE.</summary>
    public static HubClientOptions FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => variable(name) is { Length: > 0 } value ? value : null;
        var home = Get("HF_HOME") ?? DefaultHome(Get("XDG_CACHE_HOME"));
        var tokenFile = Get("HF_TOKEN_PATH") ?? Path.Combine(home, "token");
        return new HubClientOptions
        {
            Endpoint = new Uri((Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/')),
            CacheDirectory = Get("HF_HUB_CACHE") ?? Path.Combine(home, "hub"),
            Token = Get("HF_TOKEN")
                ?? (
                    File.Exists(tokenFile)
                        ? File.ReadAllText(tokenFile).Trim() is { Length: > 0 } t
                            ? t
                            : null
                        : null
                ),
            Offline = IsTrue(Get("HF_HUB_OFFLINE") ?? Get("TRANSFORMERS_OFFLINE")),
        };
    }

    /// <summary>huggingface_hub's reading of a boolean variable: 1, ON, YES or TRUE in any case.</summary>
    static bool IsTrue(string? value) => value?.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    static string DefaultHome(string? xdgCache = null)
    {
        xdgCache ??= Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : null;
        return Path.Combine(
            xdgCache ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface"
        );
    }
}
