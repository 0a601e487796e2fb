namespace NlpMtl.Core.Metrics;

/// <summary>ROUGE-1, ROUGE-2 and ROUGE-L F1: 0..1 for one document, 0..100 from <see cref="Rouge.Corpus"/>.</summary>
public sealed record RougeScores(double Rouge1, double Rouge2, double RougeL);
