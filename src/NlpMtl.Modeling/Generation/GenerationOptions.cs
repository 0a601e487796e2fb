namespace NlpMtl.Modeling.Generation;

/// <summary>How <see cref="Seq2SeqGenerator"/> decodes. One beam is greedy search.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam scores are summed log-probabilities divided by length^LengthPenalty (HF's convention).</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Never repeat an n-gram of this size within one output (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (NumBeams < 1) throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "must be at least 1");
        if (NoRepeatNgramSize < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNgramSize), NoRepeatNgramSize, "must not be negative");
    }
}
