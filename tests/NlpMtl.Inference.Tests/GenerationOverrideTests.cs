using NlpMtl.Core;
using NlpMtl.Core.Bundle;

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
        var (_, bundle) = fixture.Pretrained;
        int[][] Generate(int? noRepeat, out int setting)
        {
            using var engine = InferenceEngine.Load(
                bundle,
                new InferenceOptions
                {
                    ExecutionProvider = ExecutionProviderPreference.Cpu,
                    NumBeams = 1,
                    NoRepeatNgramSize = noRepeat,
                }
            );
            setting = engine.Bundle.Decoder(task).Settings.NoRepeatNgramSize;
            return EngineGeneration.Ids(engine, task, ParityInputs.Texts());
        }
        static bool Repeats(int[] ids) => ids.Distinct().Count() < ids.Length;

        var free = Generate(0, out var freeSetting);
        Assert.Equal(0, freeSetting);
        // The fixture's heads are untrained: left free, some outputs repeat a token.
        Assert.Contains(free, Repeats);
        var blocked = Generate(1, out var blockedSetting);
        Assert.Equal(1, blockedSetting);
        Assert.DoesNotContain(blocked, Repeats);
    }

    [Theory]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void LengthPenaltyOverridesTheBundlesSettingAndAHigherOneWritesNoLessUnderBeamSearch(string task)
    {
        var (_, bundle) = fixture.Pretrained;
        int[][] Generate(double? penalty, out double setting)
        {
            using var engine = InferenceEngine.Load(
                bundle,
                new InferenceOptions
                {
                    ExecutionProvider = ExecutionProviderPreference.Cpu,
                    NumBeams = 4,
                    MaxNewTokens = 12,
                    LengthPenalty = penalty,
                }
            );
            setting = engine.Bundle.Decoder(task).Settings.LengthPenalty;
            return EngineGeneration.Ids(engine, task, ParityInputs.Texts());
        }

        var bundled = Generate(null, out var bundledSetting);
        Assert.Equal(1.0, bundledSetting); // the fixture's heads keep HF's default
        var shorter = Generate(0, out var shorterSetting);
        var longer = Generate(5, out var longerSetting);
        Assert.Equal((0.0, 5.0), (shorterSetting, longerSetting));
        // Summed log-probabilities only fall as a hypothesis grows, so dividing by a higher power of its length favours
        // the longer of two finished hypotheses.
        Assert.True(longer.Sum(ids => ids.Length) >= bundled.Sum(ids => ids.Length));
        Assert.True(bundled.Sum(ids => ids.Length) >= shorter.Sum(ids => ids.Length));
    }
}
