namespace NlpMtl.Queue;

/// <summary>A job that can never succeed (bad bytes, bad JSON, bad schema, too large): it goes to poison at
/// once.</summary>
public sealed class JobFormatException(string reason) : Exception(reason)
{
    public string Reason => Message;
}
