using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Encodes text for BERT-family encoders with Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/> (WordPiece, HF's
/// basic tokenization) and pads batches: <c>[CLS] tokens… [SEP] [PAD]…</c>. Over-long inputs are truncated to
/// <see cref="BertInputTokenizerOptions.MaxLength"/>, keeping the final [SEP].
/// </summary>
public sealed class BertInputTokenizer
{
    private readonly BertTokenizer tokenizer;

    BertInputTokenizer(BertTokenizer tokenizer, BertInputTokenizerOptions options)
    {
        this.tokenizer = tokenizer;
        Options = options;
    }

    public BertInputTokenizerOptions Options { get; }
    public int ClsId => tokenizer.ClassificationTokenId;
    public int SepId => tokenizer.SeparatorTokenId;
    public int PadId => tokenizer.PaddingTokenId;
    public int UnknownId => tokenizer.UnknownTokenId;
    public BertTokenizer Inner => tokenizer;

    public static BertInputTokenizer Create(string vocabPath, BertInputTokenizerOptions? options = null)
    {
        options ??= new BertInputTokenizerOptions();
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"{vocabPath}: vocabulary not found");
        if (options.MaxLength < 2) throw new ArgumentOutOfRangeException(nameof(options), $"MaxLength must be at least 2, was {options.MaxLength}");
        // HF's BasicTokenizer rules, supplied explicitly: the library's defaults drop symbols and glue words at tabs.
        // HF strips accents whenever it lower-cases (strip_accents unset), so one flag drives both.
        var bert = BertTokenizer.Create(vocabPath, new BertOptions
        {
            Normalizer = new HfBertNormalizer(options.LowerCase),
            PreTokenizer = new HfBertPreTokenizer(),
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
        });
        return new BertInputTokenizer(bert, options);
    }

    /// <summary>Reads vocab.txt and tokenizer_config.json (do_lower_case, model_max_length) of an HF checkpoint dir.</summary>
    public static BertInputTokenizer FromCheckpoint(string directory, int maxPositions = 512)
    {
        var lowerCase = true;
        var maxLength = maxPositions;
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(configPath));
            if (json.RootElement.TryGetProperty("do_lower_case", out var lower) && lower.ValueKind is JsonValueKind.True or JsonValueKind.False)
                lowerCase = lower.GetBoolean();
            if (json.RootElement.TryGetProperty("model_max_length", out var max) && max.TryGetInt64(out var m) && m > 0)
                maxLength = (int)Math.Min(m, maxPositions);
        }
        return Create(Path.Combine(directory, "vocab.txt"), new BertInputTokenizerOptions { LowerCase = lowerCase, MaxLength = maxLength });
    }

    /// <summary>Token ids with [CLS] and [SEP], truncated to the maximum length.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = tokenizer.EncodeToIds(text, addSpecialTokens: false);
        var keep = Math.Min(ids.Count, Options.MaxLength - 2);
        var result = new List<int>(keep + 2) { ClsId };
        for (var i = 0; i < keep; i++) result.Add(ids[i]);
        result.Add(SepId);
        return result;
    }

    /// <summary>Encodes and pads <paramref name="texts"/> to their longest member.</summary>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("cannot encode an empty batch", nameof(texts));
        var rows = texts.Select(Encode).ToList();
        var length = rows.Max(r => r.Count);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        for (var r = 0; r < rows.Count; r++)
        {
            var offset = r * length;
            for (var t = 0; t < length; t++)
            {
                var present = t < rows[r].Count;
                ids[offset + t] = present ? rows[r][t] : PadId;
                mask[offset + t] = present ? 1 : 0;
            }
        }
        return new EncodedBatch(ids, mask, new long[ids.Length], rows.Count, length) { Lengths = rows.Select(r => r.Count).ToArray() };
    }

    /// <summary>
    /// WordPiece ids of <paramref name="text"/> without [CLS]/[SEP] and without truncation: for whole documents, which
    /// their caller cuts into sentences, pieces and windows (and bounds by its own cap).
    /// </summary>
    public IReadOnlyList<int> EncodeUntruncated(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return tokenizer.EncodeToIds(text, addSpecialTokens: false);
    }
}
