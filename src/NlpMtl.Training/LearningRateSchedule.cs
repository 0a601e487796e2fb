namespace NlpMtl.Training;

/// <summary>Linear warm-up to the peak rate, then linear decay to zero at the horizon (BERT's schedule).</summary>
public static class LearningRateSchedule
{
    public static double Factor(long step, long horizon, double warmupRatio)
    {
        var warmup = Math.Max(1, (long)Math.Round(horizon * warmupRatio));
        if (step < warmup)
            return (step + 1) / (double)warmup;
        return Math.Max(0.0, (horizon - step) / (double)Math.Max(1, horizon - warmup));
    }
}
