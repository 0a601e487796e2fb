using System.Text.Json;
using NlpMtl.Core.Bundle;

namespace NlpMtl.Inference.Documents;

/// <summary>
/// Sentence salience learned from summaries (<c>nlpmtl salience</c>, <see cref="SalienceFit"/>): a linear score over
/// <see cref="SalienceFeatures"/> of the sentences read in their context (<see cref="SentenceVectors.InContext"/>),
/// trained so that within each document the sentence closest to the reference summary scores highest. Read from a
/// bundle's <c>salience.json</c>; fitted on that bundle's encoder, whose states it scores.
/// </summary>
public sealed class LearnedSalienceScorer : ISalienceScorer
{
    public const string FileName = "salience.json";

    /// <summary>The layout of a summarizer's trained sentence classifier: one weight per hidden unit over each
    /// sentence's mean in-context states (<c>SentenceSalienceHead</c>).</summary>
    public const string TrainedHeadLayout = "in-context-states.linear-v1";

    LearnedSalienceScorer(int hiddenSize, double[] weights, string features) =>
        (HiddenSize, Weights, Features) = (hiddenSize, weights, features);

    public int HiddenSize { get; }

    /// <summary>One weight per feature: per <see cref="SalienceFeatures"/> (in the features' raw units) for a fitted
    /// ranker, per hidden unit for a trained head (<see cref="TrainedHeadLayout"/>).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary><see cref="SalienceFeatures.Layout"/> (fitted by <c>nlpmtl salience</c>) or
    /// <see cref="TrainedHeadLayout"/> (trained with the model, written by export).</summary>
    public string Features { get; }

    public bool IsTrainedHead => Features == TrainedHeadLayout;

    public SentenceVectors Vectors => SentenceVectors.InContext;

    public static LearnedSalienceScorer Create(int hiddenSize, double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (hiddenSize < 1)
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "must be at least 1");
        if (weights.Length != SalienceFeatures.Count(hiddenSize))
            throw new ArgumentException(
                $"{weights.Length} weights, expected {SalienceFeatures.Count(hiddenSize)} for hidden size {hiddenSize}",
                nameof(weights)
            );
        if (weights.Any(w => !double.IsFinite(w)))
            throw new ArgumentException("weights must be finite numbers", nameof(weights));
        return new LearnedSalienceScorer(hiddenSize, weights, SalienceFeatures.Layout);
    }

    /// <summary>A summarizer's trained sentence classifier as a ranker: its weight per hidden unit.</summary>
    public static LearnedSalienceScorer FromTrainedHead(IReadOnlyList<float> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => !float.IsFinite(w)))
            throw new ArgumentException("a trained head needs finite weights, one per hidden unit", nameof(weights));
        return new LearnedSalienceScorer(weights.Count, [.. weights.Select(w => (double)w)], TrainedHeadLayout);
    }

    static int Expected(string features, int hiddenSize) =>
        features == TrainedHeadLayout ? hiddenSize : SalienceFeatures.Count(hiddenSize);

    public IReadOnlyList<double> Score(IReadOnlyList<string> sentences, IReadOnlyList<float[]>? vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count > 0 && vectors[0].Length != HiddenSize)
            throw new InvalidOperationException(
                $"{FileName} was fitted on {HiddenSize}-wide states but the encoder gives "
                    + $"{vectors[0].Length}: fit it again on this bundle (nlpmtl salience)"
            );
        if (IsTrainedHead)
            return vectors.Select(v => Dot([.. v.Select(x => (double)x)])).ToList();
        return SalienceFeatures.Of(sentences, vectors).Select(Dot).ToList();
    }

    double Dot(double[] features)
    {
        double sum = 0;
        for (var k = 0; k < features.Length; k++)
            sum += Weights[k] * features[k];
        return sum;
    }

    sealed record FileContents(string Features, int HiddenSize, double[] Weights);

    public void Save(string path) =>
        File.WriteAllText(
            path,
            JsonSerializer.Serialize(new FileContents(Features, HiddenSize, [.. Weights]), BundleManifest.JsonOptions)
        );

    /// <summary>
    /// Writes this ranker into a bundle: <c>salience.json</c>, then the manifest naming it (<paramref name="entry"/>),
    /// each whole (a temporary file moved over the old one), so a failed write leaves the bundle as it was or with an
    /// unused file.
    /// </summary>
    public void SaveInto(string bundleDirectory, SalienceManifest entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var manifest = BundleManifest.Load(bundleDirectory);
        if (manifest.Encoder.HiddenSize != HiddenSize)
            throw new InvalidOperationException(
                $"{bundleDirectory}: the encoder is {manifest.Encoder.HiddenSize} wide, this ranker {HiddenSize}"
            );
        var file = Path.Combine(bundleDirectory, entry.File);
        Save(file + ".tmp");
        File.Move(file + ".tmp", file, overwrite: true);
        var path = Path.Combine(bundleDirectory, BundleManifest.FileName);
        File.WriteAllText(
            path + ".tmp",
            JsonSerializer.Serialize(manifest with { Salience = entry }, BundleManifest.JsonOptions)
        );
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads a <c>salience.json</c>; a clear error names the file and the field at fault.</summary>
    public static LearnedSalienceScorer Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no salience model (nlpmtl salience writes it)", path);
        FileContents contents;
        try
        {
            contents = JsonSerializer.Deserialize<FileContents>(File.ReadAllText(path), BundleManifest.JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty salience model");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid salience model ({e.Message})", e);
        }
        if (contents.Features is not (SalienceFeatures.Layout or TrainedHeadLayout))
            throw new InvalidDataException(
                $"{path}: features '{contents.Features}' are neither this version's '{SalienceFeatures.Layout}' nor "
                    + $"'{TrainedHeadLayout}': fit it again (nlpmtl salience)"
            );
        if (contents.HiddenSize < 1)
            throw new InvalidDataException($"{path}: hidden_size must be at least 1, was {contents.HiddenSize}");
        var expected = Expected(contents.Features, contents.HiddenSize);
        if (contents.Weights is null || contents.Weights.Length != expected)
            throw new InvalidDataException(
                $"{path}: weights has {contents.Weights?.Length ?? 0} values, expected {expected} for hidden_size "
                    + contents.HiddenSize
            );
        if (contents.Weights.Any(w => !double.IsFinite(w)))
            throw new InvalidDataException($"{path}: weights must be finite numbers");
        return new LearnedSalienceScorer(contents.HiddenSize, contents.Weights, contents.Features);
    }
}
