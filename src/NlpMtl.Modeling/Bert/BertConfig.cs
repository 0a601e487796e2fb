using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertConfig</c>: the fields of <c>config.json</c> a BERT-family encoder needs.</summary>
public sealed record BertConfig
{
    public string ModelType { get; init; } = "bert";
    public int VocabSize { get; init; } = 30522;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public int PadTokenId { get; init; }
    public double InitializerRange { get; init; } = 0.02;
    public string[] Architectures { get; init; } = ["BertModel"];

    [JsonIgnore]
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Model types whose checkpoints use BERT's module layout and names.</summary>
    public static readonly IReadOnlySet<string> SupportedModelTypes = new HashSet<string> { "bert" };

    /// <summary>HF's <c>BertModelTester</c> sizes: small enough for unit tests.</summary>
    public static BertConfig Tiny =>
        new()
        {
            VocabSize = 99,
            HiddenSize = 32,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            IntermediateSize = 37,
            MaxPositionEmbeddings = 512,
            TypeVocabSize = 16,
        };

    /// <summary>all-MiniLM-L6-v2 (sentence-transformers), as its HF config.json states it.</summary>
    public static BertConfig MiniLmL6 =>
        new()
        {
            HiddenSize = 384,
            NumHiddenLayers = 6,
            NumAttentionHeads = 12,
            IntermediateSize = 1536,
        };

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static BertConfig Load(string path)
    {
        BertConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<BertConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid config.json ({e.Message})", e);
        }
        if (config is null)
            throw new InvalidDataException($"{path}: config.json is empty");
        config.Validate(path);
        return config;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    public void Validate(string source)
    {
        if (!SupportedModelTypes.Contains(ModelType))
            throw new NotSupportedException(
                $"{source}: model_type '{ModelType}' is not supported (supported: "
                    + $"{string.Join(", ", SupportedModelTypes)})"
            );
        if (HiddenAct is not ("gelu" or "gelu_new" or "relu"))
            throw new NotSupportedException(
                $"{source}: hidden_act '{HiddenAct}' is not supported (gelu, gelu_new, relu)"
            );
        Require(VocabSize > 0, "vocab_size");
        Require(
            HiddenSize > 0 && NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
            "hidden_size/num_attention_heads (hidden_size must be a positive multiple of the head count)"
        );
        Require(NumHiddenLayers > 0, "num_hidden_layers");
        Require(IntermediateSize > 0, "intermediate_size");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings");
        Require(TypeVocabSize > 0, "type_vocab_size");
        Require(LayerNormEps > 0, "layer_norm_eps");

        void Require(bool ok, string field)
        {
            if (!ok)
                throw new InvalidDataException($"{source}: invalid {field}");
        }
    }
}
