using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Encodes text for BERT-family encoders exactly as HF tokenizers does with the checkpoint's <c>tokenizer.json</c>
/// (<see cref="HfBertNormalizer"/>, <see cref="HfBertPreTokenizer"/>, Microsoft.ML.Tokenizers' WordPiece) and pads
/// batches: <c>[CLS] tokens… [SEP] [PAD]…</c>. Over-long inputs are truncated to
/// <see cref="BertInputTokenizerOptions.MaxLength"/>, keeping the final [SEP]. Special-token strings in the text
/// (<c>[SEP]</c>, <c>[CLS]</c>) are read as text, not as special tokens: a service fed by strangers must not let a
/// document forge the model's structure markers (HF's default matches them; this is a deliberate difference).
/// </summary>
public sealed class BertInputTokenizer
{
    private readonly HfBertNormalizer normalizer;
    private readonly WordPieceTokenizer wordPiece;
    private readonly Lazy<WordPieceTokenizer> wideWordPiece;
    private readonly string[] tokens;

    BertInputTokenizer(TokenizerSource source, BertInputTokenizerOptions options)
    {
        Settings = source.Settings;
        Options = options;
        tokens = [.. source.Vocabulary];
        var ids = source.Ids();
        ClsId = SpecialId(source, ids, Settings.ClassificationToken);
        SepId = SpecialId(source, ids, Settings.SeparatorToken);
        PadId = SpecialId(source, ids, Settings.PaddingToken);
        UnknownId = SpecialId(source, ids, Settings.UnknownToken);
        normalizer = new HfBertNormalizer(Settings);
        wordPiece = CreateWordPiece(source, Settings.MaxInputCharsPerWord, new HfBertPreTokenizer());
        // HF counts a word's characters in code points, Microsoft.ML.Tokenizers in UTF-16 units: a word with astral
        // characters is checked here and encoded by an instance that never applies its own (lower) limit.
        wideWordPiece = new Lazy<WordPieceTokenizer>(() =>
            CreateWordPiece(source, 2 * Settings.MaxInputCharsPerWord, preTokenizer: null)
        );
    }

    public BertInputTokenizerOptions Options { get; }
    public BertTokenizerSettings Settings { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int PadId { get; }
    public int UnknownId { get; }

    /// <summary>The vocabulary, token by id.</summary>
    public IReadOnlyList<string> Tokens => tokens;

    public static BertInputTokenizer Create(TokenizerSource source, int maxLength = 512) =>
        new(
            source,
            Validated(new BertInputTokenizerOptions { LowerCase = source.Settings.Lowercase, MaxLength = maxLength })
        );

    /// <summary>A bare <c>vocab.txt</c> with HF's defaults (accents follow
    /// <see cref="BertInputTokenizerOptions.LowerCase"/>).</summary>
    public static BertInputTokenizer Create(string vocabPath, BertInputTokenizerOptions? options = null)
    {
        options = Validated(options ?? new BertInputTokenizerOptions());
        var source = TokenizerSource.FromVocab(vocabPath);
        return new BertInputTokenizer(
            source with
            {
                Settings = source.Settings with { Lowercase = options.LowerCase },
            },
            options
        );
    }

    /// <summary>
    /// The tokenizer of a checkpoint or bundle folder (its <c>tokenizer.json</c>, else <c>vocab.txt</c> and
    /// <c>tokenizer_config.json</c>) or of a <c>tokenizer.json</c> file, bounded by <c>model_max_length</c> where the
    /// config gives one and by <paramref name="maxPositions"/>.
    /// </summary>
    public static BertInputTokenizer FromCheckpoint(string path, int maxPositions = 512)
    {
        var source = TokenizerSource.Load(path);
        var maxLength = maxPositions;
        var configPath = Path.Combine(
            Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!,
            TokenizerSource.TokenizerConfigFile
        );
        if (File.Exists(configPath))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(configPath));
            if (json.RootElement.TryGetProperty("model_max_length", out var max) && max.TryGetInt64(out var m) && m > 0)
                maxLength = (int)Math.Min(m, maxPositions);
        }
        return Create(source, maxLength);
    }

    /// <summary>Token ids with [CLS] and [SEP], truncated to the maximum length.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = EncodeWords(text);
        var keep = Math.Min(ids.Count, Options.MaxLength - 2);
        var result = new List<int>(keep + 2) { ClsId };
        for (var i = 0; i < keep; i++)
            result.Add(ids[i]);
        result.Add(SepId);
        return result;
    }

    /// <summary>
    /// The whole text as windows of at most the maximum length, each with [CLS] and [SEP] (<see cref="TokenWindows"/>):
    /// one window, equal to <see cref="Encode"/>'s, when the text fits.
    /// </summary>
    public List<int[]> EncodeWindows(string text, int overlap)
    {
        var ids = EncodeWords(text);
        return TokenWindows
            .Of(ids.Count, Options.MaxLength - 2, overlap)
            .Select(w => (int[])[ClsId, .. ids.Take(w), SepId])
            .ToList();
    }

    /// <summary>Every token id of <paramref name="text"/> with [CLS] and [SEP], nothing truncated.</summary>
    public IReadOnlyList<int> EncodeWhole(string text)
    {
        var ids = EncodeWords(text);
        var result = new List<int>(ids.Count + 2) { ClsId };
        result.AddRange(ids);
        result.Add(SepId);
        return result;
    }

    /// <summary>Encodes and pads <paramref name="texts"/> to their longest member.</summary>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
            throw new ArgumentException("cannot encode an empty batch", nameof(texts));
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
        return new EncodedBatch(ids, mask, new long[ids.Length], rows.Count, length)
        {
            Lengths = rows.Select(r => r.Count).ToArray(),
        };
    }

    /// <summary>
    /// WordPiece ids of <paramref name="text"/> without [CLS]/[SEP] and without truncation: for whole documents, which
    /// their caller cuts into sentences, pieces and windows (and bounds by its own cap).
    /// </summary>
    public IReadOnlyList<int> EncodeUntruncated(string text) => EncodeWords(text);

    /// <summary>
    /// The text's sentences (<see cref="Text.SentenceSegmenter"/>), each with its WordPiece ids (no specials),
    /// tokenised sentence by sentence up to <paramref name="cap"/> ids in all: the sentence that passes the cap is cut
    /// there and nothing after it is read (<c>Truncated</c>). Sentences without ids are kept. How serving reads a
    /// document (<c>DocumentPlanner</c>) and how training marks its sentences, so the two cannot drift apart.
    /// </summary>
    public (List<(Text.SentenceSpan Span, int[] Ids)> Sentences, bool Truncated) EncodeSentences(string text, int cap)
    {
        var sentences = new List<(Text.SentenceSpan, int[])>();
        var total = 0;
        foreach (var span in Text.SentenceSegmenter.Split(text))
        {
            var ids = EncodeWords(span.Of(text));
            if (total + ids.Count > cap)
            {
                if (cap > total)
                    sentences.Add((span, [.. ids.Take(cap - total)]));
                return (sentences, true);
            }
            sentences.Add((span, [.. ids]));
            total += ids.Count;
        }
        return (sentences, false);
    }

    /// <summary>The WordPiece ids of the text, without special tokens.</summary>
    IReadOnlyList<int> EncodeWords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = normalizer.Normalize(text);
        if (!HasSurrogates(normalized))
            return wordPiece.EncodeToIds(normalized, considerPreTokenization: true, considerNormalization: false);
        var ids = new List<int>();
        foreach (var (offset, length) in HfBertPreTokenizer.Split(normalized))
        {
            var word = normalized.AsSpan(offset, length);
            var characters = CodePoints(word);
            if (characters > Settings.MaxInputCharsPerWord)
                ids.Add(UnknownId);
            else
                ids.AddRange(
                    (length <= Settings.MaxInputCharsPerWord ? wordPiece : wideWordPiece.Value).EncodeToIds(
                        word,
                        considerPreTokenization: false,
                        considerNormalization: false
                    )
                );
        }
        return ids;
    }

    static bool HasSurrogates(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    static int CodePoints(ReadOnlySpan<char> word)
    {
        var count = 0;
        foreach (var _ in word.EnumerateRunes())
            count++;
        return count;
    }

    static WordPieceTokenizer CreateWordPiece(
        TokenizerSource source,
        int maxInputCharsPerWord,
        PreTokenizer? preTokenizer
    )
    {
        // Microsoft.ML.Tokenizers reads a vocabulary as vocab.txt lines (id = line number), whatever file it came from.
        var text = new StringBuilder();
        for (var id = 0; id < source.Vocabulary.Count; id++)
        {
            var token = source.Vocabulary[id];
            if (token.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw new InvalidDataException(
                    $"{source.Origin}: token {id} contains a line break, which a WordPiece vocabulary cannot hold"
                );
            text.Append(token).Append('\n');
        }
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        return WordPieceTokenizer.Create(
            stream,
            new WordPieceOptions
            {
                PreTokenizer = preTokenizer,
                UnknownToken = source.Settings.UnknownToken,
                ContinuingSubwordPrefix = source.Settings.ContinuingSubwordPrefix,
                MaxInputCharsPerWord = maxInputCharsPerWord,
            }
        );
    }

    static int SpecialId(TokenizerSource source, Dictionary<string, int> ids, string token) =>
        ids.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"{source.Origin}: special token '{token}' is not in the vocabulary");

    static BertInputTokenizerOptions Validated(BertInputTokenizerOptions options) =>
        options.MaxLength < 2
            ? throw new ArgumentOutOfRangeException(
                nameof(options),
                $"MaxLength must be at least 2, was {options.MaxLength}"
            )
            : options;
}
