namespace NlpMtl.Inference.Documents;

/// <summary>
/// Scores how salient each sentence of a document is, for choosing what the summarizer reads when the whole document
/// does not fit its source length. Higher is more salient; only the order matters.
/// </summary>
public interface ISalienceScorer
{
    /// <summary>Which vectors <see cref="Score"/> reads besides the sentences' text (each kind is one more encoder
    /// pass over the document).</summary>
    SentenceVectors Vectors { get; }

    /// <param name="vectors">One per sentence, of the kind <see cref="Vectors"/> names; null under
    /// <see cref="SentenceVectors.None"/>.</param>
    IReadOnlyList<double> Score(IReadOnlyList<string> sentences, IReadOnlyList<float[]>? vectors);
}

/// <summary>The encoder's view of each sentence that a salience scorer reads.</summary>
public enum SentenceVectors
{
    /// <summary>The text alone.</summary>
    None,

    /// <summary>Each sentence encoded on its own, its states mean-pooled: a sentence embedding, the pooling
    /// all-MiniLM-L6-v2 was trained for.</summary>
    Alone,

    /// <summary>Each sentence's states mean-pooled from an encoder pass over its stretch of the document
    /// (<see cref="InferenceEngine.EmbedSentences"/>): what a sentence says in its context, e.g. "This" resolved
    /// against the sentence before.</summary>
    InContext,
}

/// <summary>
/// Centroid salience (Radev et al. 2004, on sentence embeddings as in Rossiello et al. 2017): a sentence scores the
/// cosine between its embedding and the mean of the document's unit-length sentence embeddings, so sentences about
/// what most of the document is about win over asides. Unsupervised; the embeddings are the shared encoder's own
/// mean-pooled states — the pooling all-MiniLM-L6-v2 was trained for as a sentence encoder.
/// </summary>
public sealed class CentroidSalienceScorer : ISalienceScorer
{
    public SentenceVectors Vectors => SentenceVectors.Alone;

    public IReadOnlyList<double> Score(IReadOnlyList<string> sentences, IReadOnlyList<float[]>? vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
            return [];
        var units = vectors.Select(Unit).ToList();
        var centroid = new double[units[0].Length];
        foreach (var unit in units)
            for (var k = 0; k < centroid.Length; k++)
                centroid[k] += unit[k];
        var centre = Unit(centroid.Select(x => (float)x).ToArray());
        return units.Select(u => Dot(u, centre)).ToList();
    }

    static float[] Unit(float[] vector)
    {
        var norm = Math.Sqrt(Dot(vector, vector));
        return norm == 0 ? vector : vector.Select(x => (float)(x / norm)).ToArray();
    }

    static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (var k = 0; k < a.Length; k++)
            sum += a[k] * b[k];
        return sum;
    }
}

/// <summary>Which sentences a summarizer with a limited source reads.</summary>
public enum SummarySelection
{
    /// <summary>The most salient sentences (<see cref="ISalienceScorer"/>) up to the source length, in document
    /// order.</summary>
    Salience,

    /// <summary>The first sentence, then the most salient others that fit, in document order: salience with the
    /// position prior of abstracts and news (the opening sentence states the subject).</summary>
    FirstThenSalience,

    /// <summary>The first tokens: what reading the start of the document gave (a baseline for measurement); a longer
    /// document's line says <c>"truncated": true</c>.</summary>
    Lead,
}

internal static class SummarySelector
{
    /// <summary>Sentences by descending score (ties: earlier first), each taken if it still fits the budget; the best
    /// one is taken even when it alone is longer (the caller cuts it). Returns indices in document order.</summary>
    public static int[] Select(
        IReadOnlyList<int> lengths,
        IReadOnlyList<double> scores,
        int budget,
        bool firstSentence = false
    )
    {
        if (firstSentence && lengths.Count > 0)
        {
            var first = Enumerable.Range(0, lengths.Count).First(i => lengths[i] > 0);
            scores = scores.Select((s, i) => i == first ? double.PositiveInfinity : s).ToList();
        }
        var chosen = new List<int>();
        var left = budget;
        foreach (
            var i in Enumerable
                .Range(0, lengths.Count)
                .Where(i => lengths[i] > 0)
                .OrderByDescending(i => scores[i])
                .ThenBy(i => i)
        )
        {
            if (chosen.Count == 0 && lengths[i] >= left)
                return [i];
            if (lengths[i] > left)
                continue;
            chosen.Add(i);
            left -= lengths[i];
        }
        chosen.Sort();
        return [.. chosen];
    }
}
