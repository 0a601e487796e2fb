using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Generation;

namespace NlpMtl.Inference.Tests;

/// <summary><see cref="InferenceOptions.NoRepeatNgramSize"/> (<c>--no-repeat-ngram-size</c>,
/// <c>Inference:NoRepeatNgramSize</c>) and <see cref="InferenceOptions.LengthPenalty"/> replace the bundle's setting on
/// every generative head.</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class GenerationOverrideTests(BundleFixture fixture)
{
    [Theory]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void NoRepeatNgramSizeOverridesTheBundlesSetting(string task)
    {
        static bool Repeats(int[] ids) => ids.Distinct().Count() < ids.Length;

        var (free, freeSettings) = Generate(task, o => (o.NumBeams, o.NoRepeatNgramSize) = (1, 0));
        Assert.Equal(0, freeSettings.NoRepeatNgramSize);
        // The fixture's heads are untrained: left free, some outputs repeat a token.
        Assert.Contains(free, Repeats);
        var (blocked, blockedSettings) = Generate(task, o => (o.NumBeams, o.NoRepeatNgramSize) = (1, 1));
        Assert.Equal(1, blockedSettings.NoRepeatNgramSize);
        Assert.DoesNotContain(blocked, Repeats);
    }

    [Theory]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void LengthPenaltyOverridesTheBundlesSettingAndAHigherOneWritesNoLessUnderBeamSearch(string task)
    {
        (int[][], GenerationSettings) Beams(double? penalty) =>
            Generate(task, o => (o.NumBeams, o.MaxNewTokens, o.LengthPenalty) = (4, 12, penalty));

        var (bundled, bundledSettings) = Beams(null);
        Assert.Equal(1.0, bundledSettings.LengthPenalty); // the fixture's heads keep HF's default
        var (shorter, shorterSettings) = Beams(0);
        var (longer, longerSettings) = Beams(5);
        Assert.Equal((0.0, 5.0), (shorterSettings.LengthPenalty, longerSettings.LengthPenalty));
        // Summed log-probabilities only fall as a hypothesis grows, so dividing by a higher power of its length favours
        // the longer of two finished hypotheses.
        Assert.True(longer.Sum(ids => ids.Length) >= bundled.Sum(ids => ids.Length));
        Assert.True(bundled.Sum(ids => ids.Length) >= shorter.Sum(ids => ids.Length));
    }

    /// <summary>The parity texts through <paramref name="task"/>'s head of the pretrained fixture bundle, loaded with
    /// the options <paramref name="set"/> gives (CPU); the ids and the settings the head ran with.</summary>
    (int[][] Ids, GenerationSettings Settings) Generate(string task, Action<InferenceOptions> set)
    {
        var options = new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu };
        set(options);
        using var engine = InferenceEngine.Load(fixture.Pretrained.Bundle, options);
        return (EngineGeneration.Ids(engine, task, ParityInputs.Texts()), engine.Bundle.Decoder(task).Settings);
    }
}
