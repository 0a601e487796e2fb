using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference.Tests.Generation;

/// <summary>
/// A hand-made decoder: the next-token logits are a function of the document and the tokens fed so far (BOS
/// included), so a test knows every probability the search sees. Records the rows of each step.
/// </summary>
sealed class FakeStepDecoder(int documents, int vocabSize, Func<int, IReadOnlyList<long>, float[]> logits)
    : IStepDecoder
{
    List<(int Document, List<long> History)> rows = Enumerable
        .Range(0, documents)
        .Select(d => (d, new List<long>()))
        .ToList();
    float[] buffer = [];

    public int VocabSize => vocabSize;
    public int Rows => rows.Count;
    public List<int> RowsPerStep { get; } = [];

    public ReadOnlySpan<float> Step(ReadOnlySpan<long> tokens)
    {
        Assert.Equal(rows.Count, tokens.Length);
        RowsPerStep.Add(rows.Count);
        buffer = new float[rows.Count * vocabSize];
        for (var r = 0; r < rows.Count; r++)
        {
            rows[r].History.Add(tokens[r]);
            var row = logits(rows[r].Document, rows[r].History);
            Assert.Equal(vocabSize, row.Length);
            row.CopyTo(buffer, r * vocabSize);
        }
        return buffer;
    }

    public void Select(ReadOnlySpan<int> selected)
    {
        var next = new List<(int, List<long>)>(selected.Length);
        foreach (var r in selected)
            next.Add((rows[r].Document, [.. rows[r].History]));
        rows = next;
    }

    /// <summary>Logits ln p for the given probabilities; every other id gets ln 1e-9.</summary>
    public static float[] Distribution(int vocabSize, params (int Id, double P)[] probabilities)
    {
        var row = Enumerable.Repeat((float)Math.Log(1e-9), vocabSize).ToArray();
        foreach (var (id, p) in probabilities)
            row[id] = (float)Math.Log(p);
        return row;
    }
}
