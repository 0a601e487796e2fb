namespace NlpMtl.Training.Reporting;

/// <summary>
/// One measurement at one training step, a line of <c>metrics.jsonl</c>. <see cref="Kind"/> is <see cref="Train"/>
/// (names like <c>loss/sentiment</c>, <c>lr</c>, <c>steps_per_s</c>, <c>tokens_per_s</c>) or <see cref="Eval"/>
/// (<c>sentiment/accuracy</c>, <c>summarize/rouge1</c>, <c>translate/bleu</c>, <c>combined</c>).
/// </summary>
public sealed record MetricRecord(long Step, string Kind, string Name, double Value, DateTimeOffset Time)
{
    public const string Train = "train";
    public const string Eval = "eval";
}
