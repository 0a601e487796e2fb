using NlpMtl.Inference.Documents;
using NlpMtl.TestSupport;

namespace NlpMtl.Inference.Tests;

public sealed class SalienceTests : IDisposable
{
    readonly string folder = Scratch.CreateDirectory("nlpmtl-salience-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    const int Hidden = 8;

    /// <summary>Documents of 3–7 sentences with random embeddings; the best sentence (gain 0.6, the others below 0.3)
    /// leans along the first dimension, which a ranker must find.</summary>
    static List<(SalienceDocument Document, int Best)> Documents(int count, int seed)
    {
        var random = new Random(seed);
        var documents = new List<(SalienceDocument, int)>();
        for (var d = 0; d < count; d++)
        {
            var n = random.Next(3, 8);
            var best = random.Next(n);
            var embeddings = Enumerable
                .Range(0, n)
                .Select(i =>
                    Enumerable
                        .Range(0, Hidden)
                        .Select(k => (float)(Gaussian(random) + (i == best && k == 0 ? 4 : 0)))
                        .ToArray()
                )
                .ToList();
            var sentences = Enumerable.Range(0, n).Select(i => $"Sentence {i} of document {d}.").ToList();
            var gains = Enumerable.Range(0, n).Select(i => i == best ? 0.6 : 0.3 * random.NextDouble()).ToArray();
            documents.Add((new SalienceDocument(SalienceFeatures.Of(sentences, embeddings), gains), best));
        }
        return documents;
    }

    static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
            Assert.Equal(expected[k], actual[k], 1e-12);
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void FeaturesHoldTheUnitEmbeddingItsProductWithTheCentroidAndWhereTheSentenceIs()
    {
        float[][] embeddings =
        [
            [3, 4],
            [0, 2],
            [1, 0],
        ];
        var rows = SalienceFeatures.Of(["One two three.", "Four.", "Five six."], embeddings);
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal(SalienceFeatures.Count(2), r.Length));
        Close([0.6, 0.8], rows[0][..2]);
        // Unit centroid of (0.6, 0.8), (0, 1), (1, 0) = (1.6, 1.8) / |.|; the products sum to the cosine.
        var norm = Math.Sqrt(1.6 * 1.6 + 1.8 * 1.8);
        Assert.Equal(0.6 * 1.6 / norm, rows[0][2], 1e-12);
        Assert.Equal(rows[0][2] + rows[0][3], rows[0][4], 1e-12);
        // relative position, first, second, last, log(1 + words), ROUGE-1 F1 against the other sentences
        Close([0, 1, 0, 0, Math.Log(4), 0], rows[0][5..]);
        Close([0.5, 0, 1, 0, Math.Log(2), 0], rows[1][5..]);
        Close([1, 0, 0, 1, Math.Log(3), 0], rows[2][5..]);
        // "the cat sat" against "the dog" + "a cat ran": 2 of 3 words, of 5 → F1 = 2 · (2/3 · 2/5) / (2/3 + 2/5) = 0.5
        var lexical = SalienceFeatures.Of(
            ["The cat sat.", "The dog.", "A cat ran."],
            [
                [1, 0],
                [0, 1],
                [1, 1],
            ]
        );
        Assert.Equal(0.5, lexical[0][^1], 1e-12);
        Assert.Throws<ArgumentException>(() =>
            SalienceFeatures.Of(
                ["a", "b"],
                [
                    [1, 0],
                    [1, 0, 0],
                ]
            )
        );
        Assert.Throws<ArgumentException>(() =>
            SalienceFeatures.Of(
                ["a"],
                [
                    [1, 0],
                    [0, 1],
                ]
            )
        );
    }

    [Fact]
    public void TheFitRanksTheSentenceTheEmbeddingsMarkFirstOnDocumentsItNeverSaw()
    {
        var fit = SalienceFit.Fit([.. Documents(300, seed: 1).Select(d => d.Document)]);
        Assert.Equal((270, 30), (fit.TrainDocuments, fit.HeldOutDocuments));
        Assert.True(fit.HeldOutHit >= 0.9, $"held-out hit {fit.HeldOutHit}");
        Assert.True(fit.HeldOutGain > fit.HeldOutFirstGain + 0.2, $"{fit.HeldOutGain} vs {fit.HeldOutFirstGain}");
        Assert.Equal(0.6, fit.HeldOutBestGain, 1e-12);

        var fresh = Documents(200, seed: 2);
        var found = fresh.Count(d =>
            SalienceFit.Best([.. d.Document.Features.Select(f => f.Zip(fit.Scorer.Weights, (x, w) => x * w).Sum())])
            == d.Best
        );
        Assert.True(found >= 180, $"{found} of 200");
        // Deterministic: the same data fits the same weights.
        var again = SalienceFit.Fit([.. Documents(300, seed: 1).Select(d => d.Document)]);
        Assert.Equal(fit.Scorer.Weights, again.Scorer.Weights);
    }

    [Fact]
    public void MismatchedGainsAndTooFewDocumentsAreRefused()
    {
        var document = Documents(1, seed: 3)[0].Document;
        var bad = document with { Gains = document.Gains[1..] };
        Assert.Contains("gains", Assert.Throws<ArgumentException>(() => SalienceFit.Fit([bad])).Message);
        Assert.Contains(
            "too few",
            Assert
                .Throws<ArgumentException>(() => SalienceFit.Fit([.. Documents(5, seed: 4).Select(d => d.Document)]))
                .Message
        );
    }

    [Fact]
    public void ASavedRankerLoadsWithTheSameScoresAndABadFileNamesItsField()
    {
        var fit = SalienceFit.Fit([.. Documents(100, seed: 5).Select(d => d.Document)]);
        var path = Path.Combine(folder, LearnedSalienceScorer.FileName);
        fit.Scorer.Save(path);
        var loaded = LearnedSalienceScorer.Load(path);
        string[] sentences = ["A first sentence.", "A second one.", "The last."];
        float[][] embeddings =
        [
            [1, 0, 0, 0, 0, 0, 0, 0],
            [0, 1, 0, 0, 0, 0, 0, 0],
            [3, 0, 1, 0, 0, 0, 0, 2],
        ];
        Assert.Equal(fit.Scorer.Score(sentences, embeddings), loaded.Score(sentences, embeddings));
        Assert.Contains(
            "gives 16",
            Assert.Throws<InvalidOperationException>(() => loaded.Score(["a"], [new float[16]])).Message
        );

        var text = File.ReadAllText(path);
        void Refused(string contents, string field)
        {
            File.WriteAllText(path, contents);
            var message = Assert.Throws<InvalidDataException>(() => LearnedSalienceScorer.Load(path)).Message;
            Assert.Contains(path, message);
            Assert.Contains(field, message);
        }
        Refused(text.Replace(SalienceFeatures.Layout, "other-v0"), "features");
        Refused(text.Replace("\"hidden_size\": 8", "\"hidden_size\": 9"), "weights");
        Refused(text.Replace("\"hidden_size\": 8", "\"hidden_size\": 0"), "hidden_size");
        Refused("{ \"features\": ", "invalid");
        Assert.Throws<FileNotFoundException>(() => LearnedSalienceScorer.Load(path + ".missing"));
    }

    [Fact]
    public void ATrainedHeadScoresTheRawStatesAndSavesAndLoadsUnderItsOwnLayout()
    {
        var head = LearnedSalienceScorer.FromTrainedHead([0.5f, -1f, 0f, 2f]);
        Assert.Equal((4, true), (head.HiddenSize, head.IsTrainedHead));
        float[][] states =
        [
            [1, 1, 0, 0],
            [0, 0, 9, 1],
            [2, 0, 0, 0],
        ];
        // The weights' dot product with each sentence's states, not the fitted ranker's features.
        Assert.Equal([-0.5, 2.0, 1.0], head.Score(["a", "b", "c"], states));

        var path = Path.Combine(folder, LearnedSalienceScorer.FileName);
        head.Save(path);
        var loaded = LearnedSalienceScorer.Load(path);
        Assert.Equal((LearnedSalienceScorer.TrainedHeadLayout, true), (loaded.Features, loaded.IsTrainedHead));
        Assert.Equal(head.Score(["a", "b", "c"], states), loaded.Score(["a", "b", "c"], states));
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"hidden_size\": 4", "\"hidden_size\": 5"));
        var message = Assert.Throws<InvalidDataException>(() => LearnedSalienceScorer.Load(path)).Message;
        Assert.Contains("expected 5 for hidden_size 5", message);
        Assert.Throws<ArgumentException>(() => LearnedSalienceScorer.FromTrainedHead([float.NaN]));
    }
}
