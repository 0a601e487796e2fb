using NlpMtl.Core;
using NlpMtl.Modeling.Bert;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.MultiTask;

/// <summary> One pretrained BERT encoder shared by task heads (sentiment classifier, summarization and translation
/// decoders). The encoder's state-dict names are BertModel's (<c>embeddings.…</c>, <c>encoder.layer.…</c>,
/// <c>pooler.…</c>), so the checkpoint is an HF BERT checkpoint; heads live under <c>heads.&lt;task&gt;.</c>, which
/// cannot collide. </summary>
public sealed class MultiTaskModel : Module
{
    public const string Architecture = "NlpMtlMultiTaskModel";

    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;
    private readonly ModuleDict<Module> heads;

    /// <summary>Builds the model around <paramref name="pretrained"/>'s modules (it takes them over).</summary>
    /// <param name="warmStartDecoders">Copy encoder weights into fresh decoders (BERT2BERT); false when a checkpoint
    /// with trained decoders is about to be loaded.</param>
    public MultiTaskModel(BertModel pretrained, MultiTaskConfig config, bool warmStartDecoders = true)
        : base(nameof(MultiTaskModel))
    {
        EncoderConfig = pretrained.Config;
        Config = config;
        embeddings = pretrained.Embeddings;
        encoder = pretrained.Encoder;
        pooler = pretrained.Pooler;
        heads = new ModuleDict<Module>();
        if (config.Sentiment is { } sentiment)
            heads.Add(TaskNames.Sentiment, new SequenceClassificationHead(EncoderConfig.HiddenSize, sentiment));
        foreach (var task in new[] { TaskNames.Summarize, TaskNames.Translate }.Where(config.Tasks.Contains))
        {
            var head = config.Decoder(task);
            if (head.Layers > EncoderConfig.NumHiddenLayers)
                throw new InvalidDataException(
                    $"{task}: {head.Layers} decoder layers but the encoder has only "
                        + $"{EncoderConfig.NumHiddenLayers} to warm-start from"
                );
            var decoder = new BertDecoder(DecoderConfig(head), copy: head.Copy);
            if (warmStartDecoders)
                decoder.WarmStart(
                    embeddings,
                    encoder.Layers.Take(head.Layers).ToList(),
                    sameVocabulary: head.Vocabulary == VocabularyKind.Encoder
                );
            heads.Add(task, decoder);
            if (head.SentenceSalienceWeight > 0)
                heads.Add(SentenceHeadName(task), new SentenceSalienceHead(EncoderConfig.HiddenSize));
        }
        RegisterComponents();
    }

    public BertConfig EncoderConfig { get; }
    public MultiTaskConfig Config { get; }
    public IReadOnlyList<string> Tasks => Config.Tasks;

    /// <summary>The decoder's sizes: the encoder's, with the head's vocabulary and depth.</summary>
    public BertConfig DecoderConfig(DecoderHeadConfig head) =>
        EncoderConfig with
        {
            VocabSize = head.VocabSize,
            NumHiddenLayers = head.Layers,
            PadTokenId = head.PadId,
            Architectures = ["BertDecoder"],
        };

    /// <summary>(B, T) ids, mask, token types → (B, T, H) hidden states.</summary>
    public Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.call(
            embeddings.call(inputIds, tokenTypeIds),
            BertModel.AdditiveMask(attentionMask, inputIds.device)
        );
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>(B, T, H) hidden states → (B, C) sentiment logits.</summary>
    public Tensor SentimentLogits(Tensor hiddenStates, Tensor attentionMask) =>
        ((SequenceClassificationHead)Head(TaskNames.Sentiment)).call(hiddenStates, attentionMask);

    public BertDecoder Decoder(string task) => (BertDecoder)Head(task);

    /// <summary>The state-dict key under <c>heads.</c> of <paramref name="task"/>'s sentence classifier.</summary>
    public static string SentenceHeadName(string task) => $"{task}_sentences";

    /// <summary>The weights of <paramref name="task"/>'s sentence classifier, or null when it has none.</summary>
    public float[]? SentenceHeadWeights(string task) =>
        heads.TryGetValue(SentenceHeadName(task), out var head) ? ((SentenceSalienceHead)head).Weights() : null;

    /// <summary>(B, N) scores of each document's sentences by <paramref name="task"/>'s sentence classifier.</summary>
    /// <param name="pooling">(B, N, T) averaging weights of each sentence's tokens.</param>
    public Tensor SentenceScores(string task, Tensor hiddenStates, Tensor pooling) =>
        ((SentenceSalienceHead)Head(SentenceHeadName(task))).call(hiddenStates, pooling);

    /// <summary>Teacher-forced (B, t, V) logits of <paramref name="task"/>'s decoder.</summary>
    /// <param name="sourceIds">(B, S) encoder input ids; a copying decoder needs them.</param>
    public Tensor DecoderLogits(
        string task,
        Tensor hiddenStates,
        Tensor attentionMask,
        Tensor decoderInputIds,
        Tensor? sourceIds = null
    )
    {
        using var scope = NewDisposeScope();
        var mask = BertModel.AdditiveMask(attentionMask, hiddenStates.device);
        return Decoder(task).Step(decoderInputIds, hiddenStates, mask, null, sourceIds).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's parameters (embeddings, layers, pooler): what every task shares.</summary>
    public IEnumerable<Parameter> EncoderParameters() =>
        embeddings.parameters().Concat(encoder.parameters()).Concat(pooler.parameters());

    /// <summary>The parameters of <paramref name="task"/>'s head, its sentence classifier included.</summary>
    public IEnumerable<Parameter> HeadParameters(string task) =>
        heads.TryGetValue(SentenceHeadName(task), out var sentences)
            ? Head(task).parameters().Concat(sentences.parameters())
            : Head(task).parameters();

    Module Head(string task) =>
        heads.TryGetValue(task, out var head)
            ? head
            : throw new InvalidOperationException($"the model has no {task} head (heads: {string.Join(", ", Tasks)})");
}
