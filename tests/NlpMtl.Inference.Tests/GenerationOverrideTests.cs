using NlpMtl.Core;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference.Documents;
using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference.Tests;

/// <summary><see cref="InferenceOptions.NoRepeatNgramSize"/> (<c>--no-repeat-ngram-size</c>,
/// <c>Inference:NoRepeatNgramSize</c>) replaces the bundle's setting on every generative head.</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class GenerationOverrideTests(BundleFixture fixture)
{
    [Theory]
    [InlineData(TaskNames.Summarize)]
    [InlineData(TaskNames.Translate)]
    public void NoRepeatNgramSizeOverridesTheBundlesSetting(string task)
    {
        var (checkpoint, bundle) = fixture.Pretrained;
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
            var head = engine.Bundle.Decoder(task);
            setting = head.Settings.NoRepeatNgramSize;
            var tokenizer = BertInputTokenizer.FromCheckpoint(checkpoint, engine.SourceLimit(task));
            var texts = ParityInputs.Texts();
            using var encoded = EncoderBatch.Run(
                engine.Bundle.Encoder,
                texts.Select(t => engine.Encode(new DocumentRequest("", t, [task])).InputIds).ToList(),
                tokenizer.PadId,
                hidden: true,
                sentiment: false
            );
            return HeadGenerator.Generate(head, encoded, [.. Enumerable.Range(0, texts.Count)], CancellationToken.None);
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
}
