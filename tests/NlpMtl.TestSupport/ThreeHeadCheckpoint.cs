using NlpMtl.Core;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.TestSupport;

/// <summary> A checkpoint with all three heads on the pretrained MiniLM encoder (untrained heads, one decoder layer
/// each, short generation): the structure of a trained checkpoint — encoder vocabulary for summarize, the committed
/// multi30k-de target tokenizer for translate — at a size export handles in seconds. Summarize copies
/// (pointer-generator), translate does not, so both decoder kinds go through export and serving. </summary>
public static class ThreeHeadCheckpoint
{
    public const string TranslateTokenizerDirectory = "translate_tokenizer";

    /// <summary> The three heads of every test checkpoint: sentiment, summarize on the encoder vocabulary (MiniLM's
    /// ids), translate (en → de) on the committed multi30k-de target tokenizer; one decoder layer each, two beams,
    /// short generation. Tests adjust a field with <c>with</c>. </summary>
    public static MultiTaskConfig Heads(string[] labels, int targetLength = 8, bool copySummaries = true) =>
        new()
        {
            Sentiment = new SentimentHeadConfig { Labels = labels },
            Summarize = new DecoderHeadConfig
            {
                Layers = 1,
                VocabSize = 30522,
                PadId = 0,
                BosId = 101,
                EosId = 102,
                MaxTargetLength = targetLength,
                NumBeams = 2,
                Copy = copySummaries,
            },
            Translate = new DecoderHeadConfig
            {
                Layers = 1,
                Vocabulary = VocabularyKind.Target,
                VocabSize = 6120,
                TargetTokenizerDirectory = TranslateTokenizerDirectory,
                PadId = 0,
                BosId = 1,
                EosId = 2,
                MaxSourceLength = 48,
                MaxTargetLength = targetLength,
                SourceLanguage = "en",
                TargetLanguage = "de",
                NumBeams = 2,
            },
        };

    /// <summary>Saves <paramref name="model"/> (heads from <see cref="Heads"/>) with its tokenizer and, when it has a
    /// translate head, the committed target tokenizer copied beside the test assembly.</summary>
    public static void Save(MultiTaskModel model, string directory, string tokenizerSource) =>
        MultiTaskCheckpoint.Save(
            model,
            directory,
            tokenizerSource,
            model.Config.Translate is null
                ? null
                : new Dictionary<string, string>
                {
                    [TaskNames.Translate] = Path.Combine(AppContext.BaseDirectory, "tokenizers", "multi30k-de"),
                }
        );

    /// <param name="sentimentOnly">Only the sentiment head: for tests that need a real checkpoint but no
    /// decoders.</param>
    /// <param name="sentimentLength">The sentiment head's trained window (null: not recorded, as in older
    /// checkpoints).</param>
    public static string Write(
        PretrainedFixture fixture,
        string directory,
        bool sentimentOnly = false,
        int? sentimentLength = null
    )
    {
        manual_seed(17);
        var heads = Heads(["0", "1"]);
        heads = heads with { Sentiment = heads.Sentiment! with { MaxSourceLength = sentimentLength } };
        if (sentimentOnly)
            heads = heads with { Summarize = null, Translate = null };
        using var model = new MultiTaskModel(BertCheckpoint.Load(fixture.CheckpointDirectory), heads);
        Save(model, directory, fixture.CheckpointDirectory);
        return directory;
    }
}
