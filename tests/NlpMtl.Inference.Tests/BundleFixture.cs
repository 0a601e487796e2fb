using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.Modeling.Pretrained;
using NlpMtl.Onnx;
using NlpMtl.TestSupport;
using static TorchSharp.torch;

namespace NlpMtl.Inference.Tests;

/// <summary>
/// Test bundles made the way users make them: a multi-task checkpoint (untrained heads) exported by
/// <see cref="BundleExporter"/>, which checks parity itself. <see cref="Pretrained"/>: the real all-MiniLM-L6-v2
/// encoder with warm-started one-layer decoders, for parity against TorchSharp. <see cref="Tiny"/>: a 2-layer,
/// 32-wide encoder with the real MiniLM vocabulary, fast enough to predict thousands of documents in a test.
/// Each is built on first use, once per test run.
/// </summary>
public sealed class BundleFixture : IDisposable
{
    public const string TranslateTokenizer = ThreeHeadCheckpoint.TranslateTokenizerDirectory;
    static readonly string TokenizerRoot = Path.Combine(AppContext.BaseDirectory, "tokenizers");

    readonly Lazy<(string Checkpoint, string Bundle)> pretrained;
    readonly Lazy<(string Checkpoint, string Bundle)> tiny;

    public BundleFixture()
    {
        Root = Scratch.CreateDirectory("nlpmtl-inference-").FullName;
        pretrained = new(() =>
            Build(
                "pretrained",
                () =>
                {
                    var encoder = Path.Combine(Root, "minilm");
                    PretrainedCheckpointWriter.WriteMiniLm(encoder);
                    return (BertCheckpoint.Load(encoder), encoder);
                },
                summarizeSource: 128
            )
        );
        tiny = new(() =>
            Build(
                "tiny",
                () =>
                {
                    var config = BertConfig.Tiny with
                    {
                        VocabSize = 30522,
                        MaxPositionEmbeddings = 128,
                        TypeVocabSize = 2,
                    };
                    return (new BertModel(config), Path.Combine(TokenizerRoot, "all-MiniLM-L6-v2"));
                },
                summarizeSource: 96
            )
        );
    }

    public string Root { get; }
    public (string Checkpoint, string Bundle) Pretrained => pretrained.Value;
    public (string Checkpoint, string Bundle) Tiny => tiny.Value;

    /// <summary>Three heads: sentiment (negative/positive), summarize on the encoder vocabulary with copying, translate
    /// on the committed multi30k-de target tokenizer without; short generation so tests stay quick.</summary>
    (string, string) Build(string name, Func<(BertModel Encoder, string TokenizerSource)> encoder, int summarizeSource)
    {
        manual_seed(23);
        var (bert, tokenizerSource) = encoder();
        var heads = ThreeHeadCheckpoint.Heads(["negative", "positive"], targetLength: 12);
        heads = heads with
        {
            // pointer-generator summaries: copy keys and source ids through serving
            Summarize = heads.Summarize! with
            {
                MaxSourceLength = summarizeSource,
                NoRepeatNgramSize = 3,
            },
            Translate = heads.Translate! with { NoRepeatNgramSize = 3 },
        };
        using var model = new MultiTaskModel(bert, heads);
        using (no_grad())
            foreach (var parameter in model.parameters())
                parameter.add_(randn_like(parameter) * 0.05); // decisive, non-trivial outputs
        var checkpoint = Path.Combine(Root, $"{name}-checkpoint");
        ThreeHeadCheckpoint.Save(model, checkpoint, tokenizerSource);
        var bundle = Path.Combine(Root, $"{name}-bundle");
        BundleExporter.Export(checkpoint, bundle);
        return (checkpoint, bundle);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>TorchSharp tests share native state (threads, RNG, dispose scopes): run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BundleCollection : ICollectionFixture<BundleFixture>
{
    public const string Name = "Bundles";
}
