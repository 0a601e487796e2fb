using NlpMtl.Inference.Batching;

namespace NlpMtl.Inference.Tests.Batching;

public class BatchPlannerTests
{
    [Fact]
    public void PaddingCountsAgainstTheBudget()
    {
        // Sorted: 10 10 10 | 50 | 60. Adding the 50 to the 10s would pad four rows to 50 (200 > 100).
        var plan = BatchPlanner.Plan([50, 10, 10, 60, 10], tokenBudget: 100, maxBatchSize: 64);
        Assert.Equal(
            [
                [1, 2, 4],
                [0],
                [3],
            ],
            plan
        );
        Assert.All(plan.Where(b => b.Length > 1), b =>
            Assert.True(BatchPlanner.PaddedTokens(b.Select(i => new[] { 50, 10, 10, 60, 10 }[i])) <= 100)
        );
    }

    [Fact]
    public void RowLimitAndOverlongDocumentsStillGetBatches()
    {
        Assert.Equal(
            [
                [0, 1],
                [2, 3],
                [4],
            ],
            BatchPlanner.Plan([5, 5, 5, 5, 5], tokenBudget: 1000, maxBatchSize: 2)
        );
        Assert.Equal(
            [
                [1],
                [0],
            ],
            BatchPlanner.Plan([500, 400], tokenBudget: 100, maxBatchSize: 8)
        ); // each alone, none dropped
    }

    [Fact]
    public void EveryDocumentIsPlannedOnceAndBatchesRespectTheBudget()
    {
        var random = new Random(3);
        var lengths = Enumerable.Range(0, 1000).Select(_ => random.Next(3, 300)).ToArray();
        var plan = BatchPlanner.Plan(lengths, tokenBudget: 2048, maxBatchSize: 32);
        Assert.Equal(Enumerable.Range(0, lengths.Length), plan.SelectMany(b => b).Order());
        Assert.All(plan, b =>
            Assert.True(
                b.Length <= 32 && (b.Length == 1 || BatchPlanner.PaddedTokens(b.Select(i => lengths[i])) <= 2048)
            )
        );
        // Grouped by length, padding stays small: under 10 % of the padded positions.
        var padded = plan.Sum(b => BatchPlanner.PaddedTokens(b.Select(i => lengths[i])));
        Assert.True(lengths.Sum() > 0.9 * padded, $"{lengths.Sum()} real of {padded} padded positions");
    }
}
