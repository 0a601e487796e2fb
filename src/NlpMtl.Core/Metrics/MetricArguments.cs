namespace NlpMtl.Core.Metrics;

/// <summary>Argument checks shared by the metrics, so every mismatch names the argument at fault.</summary>
internal static class MetricArguments
{
    /// <summary>Both lists present, paired one to one, and not empty (a mean over nothing is undefined).</summary>
    public static void RequirePaired<TFirst, TSecond>(
        IReadOnlyList<TFirst> first,
        IReadOnlyList<TSecond> second,
        string firstName,
        string secondName
    )
    {
        ArgumentNullException.ThrowIfNull(first, firstName);
        ArgumentNullException.ThrowIfNull(second, secondName);
        if (first.Count != second.Count)
        {
            throw new ArgumentException(
                $"{secondName} has {second.Count} items but {firstName} has {first.Count}; they must pair one to one.",
                secondName
            );
        }
        if (first.Count == 0)
            throw new ArgumentException($"{firstName} is empty; nothing to score.", firstName);
    }
}
