namespace NlpMtl.Queue;

/// <summary>Blob names of the queue contract (../shared/DESIGN.md, "Blob-backed queue contract").</summary>
public static class QueueNames
{
    public const string ResultSuffix = ".result.jsonl";
    public const string ErrorSuffix = ".error.json";

    public static string Inbox(string prefix) => $"{prefix}-inbox";
    public static string Results(string prefix) => $"{prefix}-results";
    public static string Poison(string prefix) => $"{prefix}-poison";

    public static string ResultOf(string job) => job + ResultSuffix;
    public static string ErrorOf(string job) => job + ErrorSuffix;
}
