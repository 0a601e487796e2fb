namespace NlpMtl.Training;

/// <summary>A tokenized training example: encoder ids and either a class index or decoder target ids (BOS …
/// EOS).</summary>
public sealed record TaskExample(int[] SourceIds, int Label, int[]? TargetIds)
{
    public int Tokens => SourceIds.Length + (TargetIds?.Length ?? 0);
}
