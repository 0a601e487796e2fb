using System.Text;
using System.Text.Json;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// A BERT-family tokenizer as found on disk: its settings and its vocabulary (tokens in id order). Read from
/// <c>tokenizer.json</c> where a checkpoint or bundle has one (HF tokenizers' own file, the source of truth), otherwise
/// from <c>vocab.txt</c> and <c>tokenizer_config.json</c> (transformers' slow-tokenizer files).
/// </summary>
public sealed record TokenizerSource(BertTokenizerSettings Settings, IReadOnlyList<string> Vocabulary, string Origin)
{
    public const string TokenizerJsonFile = "tokenizer.json";
    public const string VocabFile = "vocab.txt";
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary> <paramref name="path"/> is a <c>tokenizer.json</c>, a <c>vocab.txt</c>, or a folder holding either (a
    /// checkpoint, a bundle, a <c>tokenizers/</c> entry). </summary>
    public static TokenizerSource Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, TokenizerJsonFile);
            if (File.Exists(json))
                return TokenizerJson.Read(json);
            var vocab = Path.Combine(path, VocabFile);
            if (File.Exists(vocab))
                return FromVocab(vocab, Path.Combine(path, TokenizerConfigFile));
            throw new FileNotFoundException($"{path}: no {TokenizerJsonFile} or {VocabFile} in this folder");
        }
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: tokenizer not found", path);
        return Path.GetFileName(path).EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? TokenizerJson.Read(path)
            : FromVocab(path, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, TokenizerConfigFile));
    }

    /// <summary>
    /// <c>vocab.txt</c> (one token per line, id = line number) with transformers' <c>BertTokenizer</c> settings from
    /// <c>tokenizer_config.json</c> where it exists: <c>do_lower_case</c>, <c>strip_accents</c>,
    /// <c>tokenize_chinese_chars</c> and the special tokens.
    /// </summary>
    public static TokenizerSource FromVocab(string vocabPath, string? configPath = null)
    {
        if (!File.Exists(vocabPath))
            throw new FileNotFoundException($"{vocabPath}: vocabulary not found", vocabPath);
        // HF's load_vocab strips only "\n" from each line; a CRLF file keeps working by dropping the "\r" too.
        var tokens = File.ReadAllText(vocabPath, Encoding.UTF8).Split('\n').Select(t => t.TrimEnd('\r')).ToList();
        if (tokens.Count > 0 && tokens[^1].Length == 0)
            tokens.RemoveAt(tokens.Count - 1);
        var settings = new BertTokenizerSettings();
        if (configPath is not null && File.Exists(configPath))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = json.RootElement;
            settings = settings with
            {
                Lowercase = Bool(root, "do_lower_case") ?? settings.Lowercase,
                StripAccents = Bool(root, "strip_accents"),
                HandleChineseChars = Bool(root, "tokenize_chinese_chars") ?? settings.HandleChineseChars,
                UnknownToken = Token(root, "unk_token") ?? settings.UnknownToken,
                ClassificationToken = Token(root, "cls_token") ?? settings.ClassificationToken,
                SeparatorToken = Token(root, "sep_token") ?? settings.SeparatorToken,
                PaddingToken = Token(root, "pad_token") ?? settings.PaddingToken,
            };
        }
        return new TokenizerSource(settings, tokens, vocabPath);
    }

    /// <summary>The id of each token; a token listed twice is an error naming the file and both lines.</summary>
    public Dictionary<string, int> Ids()
    {
        var ids = new Dictionary<string, int>(Vocabulary.Count, StringComparer.Ordinal);
        for (var id = 0; id < Vocabulary.Count; id++)
        {
            if (Vocabulary[id].Length == 0)
                continue;
            if (!ids.TryAdd(Vocabulary[id], id))
                throw new InvalidDataException(
                    $"{Origin}: token '{Vocabulary[id]}' has two ids, {ids[Vocabulary[id]]} and {id}"
                );
        }
        return ids;
    }

    static bool? Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>A special token as a string, or as transformers' AddedToken object <c>{"content": …}</c>.</summary>
    static string? Token(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        return
            value.ValueKind == JsonValueKind.Object
            && value.TryGetProperty("content", out var content)
            && content.ValueKind == JsonValueKind.String
            ? content.GetString()
            : null;
    }
}
