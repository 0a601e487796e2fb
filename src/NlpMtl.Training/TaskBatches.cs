using NlpMtl.Core.Numerics;

namespace NlpMtl.Training;

/// <summary>
/// Endless, reproducible batches of one task's examples. Each epoch shuffles with a seed derived from the epoch, then
/// groups examples of similar length (sorting within windows of 50 batches, then shuffling the batches) so padding
/// stays small without giving up randomness. The position (epoch, batch) is all a checkpoint needs to resume.
/// </summary>
public sealed class TaskBatches(IReadOnlyList<TaskExample> examples, int batchSize, ulong seed)
{
    const int SortWindowBatches = 50;
    private IReadOnlyList<int[]>? epochBatches;

    public int Epoch { get; private set; }
    public int Position { get; private set; }
    public int Count => examples.Count;

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
        var order = random.Permutation(examples.Count);
        var batches = new List<int[]>();
        for (var start = 0; start < order.Length; start += batchSize * SortWindowBatches)
        {
            var window = order
                .Skip(start)
                .Take(batchSize * SortWindowBatches)
                .OrderBy(i => examples[i].Tokens)
                .ToArray();
            batches.AddRange(window.Chunk(batchSize));
        }
        var shuffled = random.Permutation(batches.Count);
        return shuffled.Select(i => batches[i]).ToList();
    }
}
