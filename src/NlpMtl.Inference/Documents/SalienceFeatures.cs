using NlpMtl.Core.Metrics;

namespace NlpMtl.Inference.Documents;

/// <summary>
/// What the learned sentence ranker (<see cref="LearnedSalienceScorer"/>) sees of each sentence of a document: its
/// unit-length vector (its states read in context, <see cref="SentenceVectors.InContext"/>), that vector times the
/// document's unit centroid (which of its directions the document as
/// a whole shares: a linear model cannot form that product itself), their cosine, where the sentence sits, how long it
/// is (log of 1 + its words), and its lexical centrality (ROUGE-1 F1 of its words against the rest of the document).
/// Fitting and serving both call <see cref="Of"/>, so they cannot drift apart.
/// </summary>
public static class SalienceFeatures
{
    /// <summary>Names this layout in <c>salience.json</c>; change it with the layout.</summary>
    public const string Layout = "unit-context-vector.centroid-product.cosine.position.centrality-v2";

    /// <summary>Cosine, relative position, first, second, last, length, lexical centrality.</summary>
    const int Scalars = 7;

    public static int Count(int hiddenSize) => 2 * hiddenSize + Scalars;

    /// <summary>One feature row per sentence.</summary>
    /// <param name="sentences">The sentences' text (for their length in words).</param>
    /// <param name="embeddings">Each sentence's mean-pooled encoder states, all of one width.</param>
    /// <remarks>v1 read each sentence encoded alone; in context it ranks better (docs/benchmarks.md).</remarks>
    public static double[][] Of(IReadOnlyList<string> sentences, IReadOnlyList<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(embeddings);
        if (sentences.Count != embeddings.Count)
            throw new ArgumentException(
                $"{sentences.Count} sentences but {embeddings.Count} embeddings",
                nameof(embeddings)
            );
        var n = embeddings.Count;
        if (n == 0)
            return [];
        var hidden = embeddings[0].Length;
        var units = embeddings
            .Select(e =>
                e.Length == hidden
                    ? Unit(e.Select(x => (double)x).ToArray())
                    : throw new ArgumentException(
                        $"sentence embeddings differ in width ({e.Length} and {hidden})",
                        nameof(embeddings)
                    )
            )
            .ToList();
        var centroid = new double[hidden];
        foreach (var unit in units)
            for (var k = 0; k < hidden; k++)
                centroid[k] += unit[k];
        centroid = Unit(centroid);
        var centrality = Rouge.Rouge1AgainstRest([.. sentences.Select(Rouge.Tokenize)]);
        var rows = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var row = rows[i] = new double[Count(hidden)];
            double cosine = 0;
            for (var k = 0; k < hidden; k++)
            {
                row[k] = units[i][k];
                row[hidden + k] = units[i][k] * centroid[k];
                cosine += row[hidden + k];
            }
            var at = 2 * hidden;
            row[at] = cosine;
            row[at + 1] = n == 1 ? 0 : i / (n - 1.0);
            row[at + 2] = i == 0 ? 1 : 0;
            row[at + 3] = i == 1 ? 1 : 0;
            row[at + 4] = i == n - 1 ? 1 : 0;
            row[at + 5] = Math.Log(1 + WordCount(sentences[i]));
            row[at + 6] = centrality[i];
        }
        return rows;
    }

    static int WordCount(string sentence) =>
        sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    static double[] Unit(double[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(x => x * x));
        return norm == 0 ? vector : vector.Select(x => x / norm).ToArray();
    }
}
