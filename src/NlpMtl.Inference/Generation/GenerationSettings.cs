using NlpMtl.Core.Bundle;

namespace NlpMtl.Inference.Generation;

/// <summary>How a generative head decodes; defaults come from the bundle manifest, callers may override each.</summary>
public sealed record GenerationSettings
{
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>1 is greedy search.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam scores are summed log-probabilities divided by length^LengthPenalty (HF's convention).</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Never repeat an n-gram of this size within one output (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    public static GenerationSettings From(GenerationManifest manifest) => new()
    {
        MaxNewTokens = manifest.MaxNewTokens,
        NumBeams = manifest.NumBeams,
        LengthPenalty = manifest.LengthPenalty,
        NoRepeatNgramSize = manifest.NoRepeatNgramSize,
    };

    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (NumBeams < 1) throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "must be at least 1");
        if (NoRepeatNgramSize < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNgramSize), NoRepeatNgramSize, "must not be negative");
    }
}

/// <summary>The decoder vocabulary's control ids: BOS starts every output, EOS ends it, PAD fills finished rows.</summary>
public readonly record struct SpecialTokens(int Bos, int Eos, int Pad);
