namespace NlpMtl.Core.Generation;

/// <summary>
/// How a generative head decodes: stored with each head in a bundle manifest (export writes every field; the property
/// order is the manifest's), used by the serving searches and by the TorchSharp reference generator. Callers override
/// single fields with <c>with</c>. The defaults are plain greedy decoding.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>1 is greedy search.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam scores are summed log-probabilities divided by length^LengthPenalty (HF's convention).</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Never repeat an n-gram of this size within one output (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    public int MaxNewTokens { get; init; } = 64;

    public void Validate()
    {
        if (MaxNewTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (NumBeams < 1)
            throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "must be at least 1");
        if (NoRepeatNgramSize < 0)
            throw new ArgumentOutOfRangeException(nameof(NoRepeatNgramSize), NoRepeatNgramSize, "must not be negative");
    }
}
