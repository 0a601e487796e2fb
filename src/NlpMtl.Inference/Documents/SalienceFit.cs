namespace NlpMtl.Inference.Documents;

/// <summary>One training document for <see cref="SalienceFit"/>: its sentences' features
/// (<see cref="SalienceFeatures.Of"/>) and what picking each sentence as the summary is worth (e.g. its ROUGE against
/// the reference summaries).</summary>
public sealed record SalienceDocument(double[][] Features, double[] Gains);

public sealed record SalienceFitOptions
{
    public int Epochs { get; init; } = 400;
    public double LearningRate { get; init; } = 0.01;

    /// <summary>L2 penalty on the standardised weights.</summary>
    public double L2 { get; init; } = 1e-3;

    /// <summary>Every Nth document (the last of each N) is held out to choose the epoch.</summary>
    public int HeldOutEvery { get; init; } = 10;
}

/// <param name="HeldOutGain">Mean gain of the top-scored sentence on the held-out documents, at the chosen
/// epoch.</param>
/// <param name="HeldOutHit">Share (0–1) of held-out documents whose top-scored sentence is their best one.</param>
/// <param name="HeldOutFirstGain">The same mean for always picking the first sentence (a baseline).</param>
/// <param name="HeldOutBestGain">The same mean for the best sentence of each document (the ceiling).</param>
public sealed record SalienceFitResult(
    LearnedSalienceScorer Scorer,
    int TrainDocuments,
    int HeldOutDocuments,
    int Epoch,
    double HeldOutGain,
    double HeldOutHit,
    double HeldOutFirstGain,
    double HeldOutBestGain
);

/// <summary>
/// Fits <see cref="LearnedSalienceScorer"/>: a linear scorer trained with a softmax over each document's sentences to
/// put its best sentence (highest gain, the earliest on a tie) first — the list-wise form of extractive summarisers'
/// sentence classifiers (BERTSumExt), on frozen encoder embeddings, so it takes seconds on a CPU. Features are
/// standardised for the optimiser (Adam, full batch) and the scale folded back into the weights; the epoch is chosen on
/// held-out documents by the gain of the sentence the scorer ranks first. Deterministic.
/// </summary>
public static class SalienceFit
{
    public static SalienceFitResult Fit(IReadOnlyList<SalienceDocument> documents, SalienceFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        options ??= new SalienceFitOptions();
        if (options.HeldOutEvery < 2)
            throw new ArgumentOutOfRangeException(nameof(options), "HeldOutEvery must be at least 2");
        foreach (var document in documents.Where(d => d.Gains.Length != d.Features.Length))
            throw new ArgumentException(
                $"a document has {document.Features.Length} sentences but {document.Gains.Length} gains",
                nameof(documents)
            );
        var usable = documents.Where(d => d.Features.Length >= 2 && d.Gains.Max() > 0).ToList();
        var train = usable.Where((_, i) => i % options.HeldOutEvery != options.HeldOutEvery - 1).ToList();
        var heldOut = usable.Where((_, i) => i % options.HeldOutEvery == options.HeldOutEvery - 1).ToList();
        if (train.Count == 0 || heldOut.Count == 0)
            throw new ArgumentException(
                $"{usable.Count} documents with two or more sentences and a positive gain: too few to fit and choose "
                    + $"an epoch (one in {options.HeldOutEvery} is held out)",
                nameof(documents)
            );
        var width = train[0].Features[0].Length;
        var (mean, scale) = Standardisation(train, width);
        var standard = train.Select(d => d.Features.Select(f => Standardise(f, mean, scale)).ToArray()).ToList();
        var targets = train.Select(d => Best(d.Gains)).ToList();

        var weights = new double[width];
        var (m, v) = (new double[width], new double[width]);
        var (beta1, beta2) = (0.9, 0.999);
        var best = (Epoch: 0, Gain: HeldOutGain(heldOut, Fold(weights, scale)), Weights: Fold(weights, scale));
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var gradient = new double[width];
            for (var d = 0; d < standard.Count; d++)
            {
                var rows = standard[d];
                var probabilities = Softmax(rows.Select(r => Dot(weights, r)).ToArray());
                for (var j = 0; j < rows.Length; j++)
                {
                    var error = probabilities[j] - (j == targets[d] ? 1 : 0);
                    for (var k = 0; k < width; k++)
                        gradient[k] += error * rows[j][k];
                }
            }
            for (var k = 0; k < width; k++)
            {
                var g = gradient[k] / standard.Count + options.L2 * weights[k];
                m[k] = beta1 * m[k] + (1 - beta1) * g;
                v[k] = beta2 * v[k] + (1 - beta2) * g * g;
                var mHat = m[k] / (1 - Math.Pow(beta1, epoch));
                var vHat = v[k] / (1 - Math.Pow(beta2, epoch));
                weights[k] -= options.LearningRate * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
            var folded = Fold(weights, scale);
            var gain = HeldOutGain(heldOut, folded);
            if (gain > best.Gain)
                best = (epoch, gain, folded);
        }
        var hidden = (width - SalienceFeatures.Count(0)) / 2;
        return new SalienceFitResult(
            LearnedSalienceScorer.Create(hidden, best.Weights),
            train.Count,
            heldOut.Count,
            best.Epoch,
            best.Gain,
            heldOut.Count(d => Top(d.Features, best.Weights) == Best(d.Gains)) / (double)heldOut.Count,
            heldOut.Average(d => d.Gains[0]),
            heldOut.Average(d => d.Gains.Max())
        );
    }

    /// <summary>Index of the highest value, the earliest on a tie (−∞ counts; empty: 0).</summary>
    public static int Best(IReadOnlyList<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }

    static int Top(double[][] features, double[] weights) => Best(features.Select(f => Dot(weights, f)).ToArray());

    static double HeldOutGain(List<SalienceDocument> documents, double[] weights) =>
        documents.Average(d => d.Gains[Top(d.Features, weights)]);

    static (double[] Mean, double[] Scale) Standardisation(List<SalienceDocument> documents, int width)
    {
        var rows = documents.SelectMany(d => d.Features).ToList();
        var mean = new double[width];
        var scale = new double[width];
        foreach (var row in rows)
            for (var k = 0; k < width; k++)
                mean[k] += row[k] / rows.Count;
        foreach (var row in rows)
            for (var k = 0; k < width; k++)
                scale[k] += (row[k] - mean[k]) * (row[k] - mean[k]) / rows.Count;
        for (var k = 0; k < width; k++)
            scale[k] = scale[k] > 1e-24 ? Math.Sqrt(scale[k]) : 1;
        return (mean, scale);
    }

    static double[] Standardise(double[] row, double[] mean, double[] scale) =>
        row.Select((x, k) => (x - mean[k]) / scale[k]).ToArray();

    /// <summary>Weights on standardised features as weights on raw ones: the mean's constant is the same for every
    /// sentence of a document, so it does not change their order and is dropped.</summary>
    static double[] Fold(double[] weights, double[] scale) => weights.Select((w, k) => w / scale[k]).ToArray();

    /// <summary>Probabilities from scores (a −∞ score gets 0, as long as one score is finite).</summary>
    internal static double[] Softmax(IReadOnlyList<double> scores)
    {
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (var k = 0; k < a.Length; k++)
            sum += a[k] * b[k];
        return sum;
    }
}
