namespace NlpMtl.Core;

/// <summary>The task names: in configs, state-dict prefixes (<c>heads.&lt;task&gt;.</c>), bundles, the CLI and job
/// documents.</summary>
public static class TaskNames
{
    public const string Sentiment = "sentiment";
    public const string Summarize = "summarize";
    public const string Translate = "translate";

    public static readonly IReadOnlyList<string> All = [Sentiment, Summarize, Translate];

    public static bool IsGenerative(string task) => task is Summarize or Translate;
}
