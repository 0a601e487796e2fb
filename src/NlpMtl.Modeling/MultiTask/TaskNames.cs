namespace NlpMtl.Modeling.MultiTask;

/// <summary>The task names used in configs, state-dict prefixes (<c>heads.&lt;task&gt;.</c>) and the CLI.</summary>
public static class TaskNames
{
    public const string Sentiment = "sentiment";
    public const string Summarize = "summarize";
    public const string Translate = "translate";

    public static readonly IReadOnlyList<string> All = [Sentiment, Summarize, Translate];

    public static bool IsGenerative(string task) => task is Summarize or Translate;
}
