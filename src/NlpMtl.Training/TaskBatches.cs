using NlpMtl.Core.Numerics;

namespace NlpMtl.Training;

/// <summary>
/// Endless, reproducible batches of one task's examples. Each epoch shuffles with a seed derived from the epoch, then
/// groups examples of similar length (sorting within windows of 50 batches, then shuffling the batches) so padding
/// stays small without giving up randomness. The position (epoch, batch) is all a checkpoint needs to resume.
/// With <paramref name="windowsPerPass"/>, an epoch holds at most that many of each long text's windows
/// (<see cref="TaskExample.Window"/>): the next ones, in turn, from a starting window drawn per text.
/// </summary>
public sealed class TaskBatches(
    IReadOnlyList<TaskExample> examples,
    int batchSize,
    ulong seed,
    int? windowsPerPass = null
)
{
    const int SortWindowBatches = 50;
    private IReadOnlyList<int[]>? epochBatches;

    public int Epoch { get; private set; }
    public int Position { get; private set; }
    public int Count => examples.Count;

    /// <summary>How many examples a pass reads: <see cref="Count"/> unless passes read only some windows.</summary>
    public int PerPass => windowsPerPass is null ? examples.Count : examples.Count(e => InEpoch(e, 0));

    /// <summary>The log line saying what a pass reads of a task whose passes read only some windows, else
    /// null.</summary>
    public string? DescribePass(string task) =>
        windowsPerPass is { } perPass
            ? FormattableString.Invariant(
                $"{task}: each pass reads {PerPass:N0} of the {Count:N0} training windows (windows_per_pass {perPass})"
            )
            : null;

    /// <summary>Jump to a saved position (resume).</summary>
    public void Restore(int epoch, int position)
    {
        (Epoch, Position) = (epoch, position);
        epochBatches = null;
    }

    public IReadOnlyList<TaskExample> Next()
    {
        epochBatches ??= Plan(Epoch);
        if (Position >= epochBatches.Count)
        {
            Epoch++;
            Position = 0;
            epochBatches = Plan(Epoch);
        }
        return epochBatches[Position++].Select(i => examples[i]).ToList();
    }

    IReadOnlyList<int[]> Plan(int epoch)
    {
        var random = new SplitMix64(seed ^ (ulong)(epoch + 1) * 0x9E3779B97F4A7C15UL);
        var eligible = Enumerable.Range(0, examples.Count).Where(i => InEpoch(examples[i], epoch)).ToArray();
        var order = random.Permutation(eligible.Length);
        var batches = new List<int[]>();
        for (var start = 0; start < order.Length; start += batchSize * SortWindowBatches)
        {
            var window = order
                .Skip(start)
                .Take(batchSize * SortWindowBatches)
                .Select(i => eligible[i])
                .OrderBy(i => examples[i].Tokens)
                .ToArray();
            batches.AddRange(window.Chunk(batchSize));
        }
        var shuffled = random.Permutation(batches.Count);
        return shuffled.Select(i => batches[i]).ToList();
    }

    /// <summary>
    /// Whether epoch <paramref name="epoch"/> reads this example: always, unless it is one of a text's windows and
    /// passes are limited. Then the text's windows, rotated by an offset drawn from the seed and the text, are read
    /// the per-pass number at a time, so consecutive epochs read consecutive windows and every window comes
    /// round within ceil(count / per pass) epochs.
    /// </summary>
    bool InEpoch(TaskExample example, int epoch)
    {
        if (windowsPerPass is not { } perPass || example.Window is not { } window || window.Count <= perPass)
            return true;
        var offset = (int)(SplitMix64.Mix(seed ^ (ulong)window.Text * SplitMix64.Increment) % (ulong)window.Count);
        var slot = (window.Index + offset) % window.Count;
        var first = (int)((long)epoch * perPass % window.Count);
        return (slot - first + window.Count) % window.Count < perPass;
    }
}
