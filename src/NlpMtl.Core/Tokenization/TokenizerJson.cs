using System.Text;
using System.Text.Json;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// Reads and writes HF tokenizers' <c>tokenizer.json</c> for the one pipeline this project runs: <c>BertNormalizer</c>
/// (or none), <c>BertPreTokenizer</c>, a <c>WordPiece</c> model, and a post-processor that adds [CLS] … [SEP]. Any
/// other type is refused at load with one line naming it and the file, never approximated.
/// </summary>
public static class TokenizerJson
{
    public static TokenizerSource Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: tokenizer.json not found", path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object");
            var settings = new BertTokenizerSettings();
            settings = ReadNormalizer(path, root, settings);
            RequirePreTokenizer(path, root);
            var (modelSettings, vocabulary) = ReadModel(path, root, settings);
            settings = ReadSpecialTokens(path, root, modelSettings, vocabulary);
            return new TokenizerSource(settings, vocabulary, path);
        }
    }

    static BertTokenizerSettings ReadNormalizer(string path, JsonElement root, BertTokenizerSettings settings)
    {
        var normalizer = Member(root, "normalizer");
        // No normaliser: HF passes the text on unchanged.
        if (normalizer.ValueKind == JsonValueKind.Null)
            return settings with
            {
                CleanText = false,
                HandleChineseChars = false,
                StripAccents = false,
                Lowercase = false,
            };
        var type = TypeOf(path, normalizer, "normalizer");
        if (type != "BertNormalizer")
            throw Unsupported(path, "normalizer", type);
        return settings with
        {
            CleanText = Bool(path, normalizer, "normalizer.clean_text") ?? true,
            HandleChineseChars = Bool(path, normalizer, "normalizer.handle_chinese_chars") ?? true,
            StripAccents = Bool(path, normalizer, "normalizer.strip_accents"),
            Lowercase = Bool(path, normalizer, "normalizer.lowercase") ?? true,
        };
    }

    static void RequirePreTokenizer(string path, JsonElement root)
    {
        var pre = Member(root, "pre_tokenizer");
        var type = pre.ValueKind == JsonValueKind.Null ? "null" : TypeOf(path, pre, "pre_tokenizer");
        if (type != "BertPreTokenizer")
            throw Unsupported(path, "pre_tokenizer", type);
    }

    static (BertTokenizerSettings, IReadOnlyList<string>) ReadModel(
        string path,
        JsonElement root,
        BertTokenizerSettings settings
    )
    {
        var model = Member(root, "model");
        if (model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: \"model\" is missing");
        var type =
            model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : "(no type)";
        if (type != "WordPiece")
            throw Unsupported(path, "model", type);
        settings = settings with
        {
            UnknownToken = String(path, model, "model.unk_token") ?? settings.UnknownToken,
            ContinuingSubwordPrefix = String(path, model, "model.continuing_subword_prefix")
                ?? settings.ContinuingSubwordPrefix,
            MaxInputCharsPerWord =
                model.TryGetProperty("max_input_chars_per_word", out var max) && max.TryGetInt32(out var m) && m > 0
                    ? m
                    : settings.MaxInputCharsPerWord,
        };
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: model.vocab must be an object of token → id");
        var tokens = new string?[vocab.EnumerateObject().Count()];
        foreach (var entry in vocab.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0 || id >= tokens.Length)
                throw new InvalidDataException(
                    $"{path}: model.vocab[\"{entry.Name}\"] is {entry.Value}, not an id in 0..{tokens.Length - 1}"
                );
            if (tokens[id] is { } other)
                throw new InvalidDataException(
                    $"{path}: model.vocab gives id {id} to both '{other}' and '{entry.Name}'"
                );
            tokens[id] = entry.Name;
        }
        return (settings, tokens!);
    }

    /// <summary>
    /// [CLS]/[SEP] from the post-processor (<c>TemplateProcessing</c> "$CLS $A $SEP" or <c>BertProcessing</c>), [PAD]
    /// from <c>padding</c> or the added tokens. Added tokens must be special and in the vocabulary: HF matches added
    /// tokens in raw text, which this project does not do (special-token strings in text are read as text).
    /// </summary>
    static BertTokenizerSettings ReadSpecialTokens(
        string path,
        JsonElement root,
        BertTokenizerSettings settings,
        IReadOnlyList<string> vocabulary
    )
    {
        var post = Member(root, "post_processor");
        var type = post.ValueKind == JsonValueKind.Null ? "null" : TypeOf(path, post, "post_processor");
        settings = type switch
        {
            "TemplateProcessing" => FromTemplate(path, post, settings),
            "BertProcessing" => settings with
            {
                ClassificationToken = PairToken(path, post, "cls"),
                SeparatorToken = PairToken(path, post, "sep"),
            },
            _ => throw Unsupported(path, "post_processor", type),
        };
        if (Member(root, "added_tokens") is { ValueKind: JsonValueKind.Array } added)
        {
            foreach (var token in added.EnumerateArray())
            {
                var content = String(path, token, "added_tokens[].content") ?? "";
                var id = token.TryGetProperty("id", out var i) && i.TryGetInt32(out var value) ? value : -1;
                if (id < 0 || id >= vocabulary.Count || vocabulary[id] != content)
                    throw new InvalidDataException(
                        $"{path}: added token '{content}' (id {id}) is not in model.vocab under that id; added "
                            + $"vocabulary is not supported"
                    );
                if (token.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.False)
                    throw new InvalidDataException(
                        $"{path}: added token '{content}' is not special; matching added words in text is not supported"
                    );
            }
        }
        if (
            Member(root, "padding") is { ValueKind: JsonValueKind.Object } padding
            && String(path, padding, "padding.pad_token") is { } pad
        )
            settings = settings with { PaddingToken = pad };
        return settings;
    }

    static BertTokenizerSettings FromTemplate(string path, JsonElement post, BertTokenizerSettings settings)
    {
        if (!post.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: post_processor.single is missing");
        var pieces = single.EnumerateArray().ToList();
        string? SpecialAt(int index) =>
            index < pieces.Count
            && pieces[index].TryGetProperty("SpecialToken", out var s)
            && s.TryGetProperty("id", out var id)
                ? id.GetString()
                : null;
        var isSequence = pieces.Count == 3 && pieces[1].TryGetProperty("Sequence", out _);
        if (!isSequence || SpecialAt(0) is not { } cls || SpecialAt(2) is not { } sep)
            throw new InvalidDataException(
                $"{path}: post_processor.single must be [CLS-like] $A [SEP-like]; this template is not supported"
            );
        return settings with { ClassificationToken = cls, SeparatorToken = sep };
    }

    static string PairToken(string path, JsonElement post, string name) =>
        post.TryGetProperty(name, out var pair)
        && pair.ValueKind == JsonValueKind.Array
        && pair.GetArrayLength() == 2
        && pair[0].ValueKind == JsonValueKind.String
            ? pair[0].GetString()!
            : throw new InvalidDataException($"{path}: post_processor.{name} must be [token, id]");

    /// <summary>Writes the pipeline <see cref="Read"/> accepts, in HF's layout (readable by HF tokenizers
    /// too).</summary>
    public static void Write(string path, TokenizerSource source)
    {
        var s = source.Settings;
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(
            stream,
            new JsonWriterOptions
            {
                Indented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }
        );
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        var ids = source.Ids();
        foreach (
            var special in new[] { s.PaddingToken, s.UnknownToken, s.ClassificationToken, s.SeparatorToken, "[MASK]" }
                .Distinct()
                .Where(ids.ContainsKey)
                .OrderBy(t => ids[t])
        )
        {
            json.WriteStartObject();
            json.WriteNumber("id", ids[special]);
            json.WriteString("content", special);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("normalizer");
        json.WriteString("type", "BertNormalizer");
        json.WriteBoolean("clean_text", s.CleanText);
        json.WriteBoolean("handle_chinese_chars", s.HandleChineseChars);
        if (s.StripAccents is { } strip)
            json.WriteBoolean("strip_accents", strip);
        else
            json.WriteNull("strip_accents");
        json.WriteBoolean("lowercase", s.Lowercase);
        json.WriteEndObject();
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "BertPreTokenizer");
        json.WriteEndObject();
        WriteTemplate(json, s, ids);
        json.WriteStartObject("decoder");
        json.WriteString("type", "WordPiece");
        json.WriteString("prefix", s.ContinuingSubwordPrefix);
        json.WriteBoolean("cleanup", true);
        json.WriteEndObject();
        json.WriteStartObject("model");
        json.WriteString("type", "WordPiece");
        json.WriteString("unk_token", s.UnknownToken);
        json.WriteString("continuing_subword_prefix", s.ContinuingSubwordPrefix);
        json.WriteNumber("max_input_chars_per_word", s.MaxInputCharsPerWord);
        json.WriteStartObject("vocab");
        for (var id = 0; id < source.Vocabulary.Count; id++)
            json.WriteNumber(source.Vocabulary[id], id);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    static void WriteTemplate(Utf8JsonWriter json, BertTokenizerSettings s, Dictionary<string, int> ids)
    {
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteSpecial(json, s.ClassificationToken);
        json.WriteStartObject();
        json.WriteStartObject("Sequence");
        json.WriteString("id", "A");
        json.WriteNumber("type_id", 0);
        json.WriteEndObject();
        json.WriteEndObject();
        WriteSpecial(json, s.SeparatorToken);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        foreach (var token in new[] { s.ClassificationToken, s.SeparatorToken })
        {
            json.WriteStartObject(token);
            json.WriteString("id", token);
            json.WriteStartArray("ids");
            json.WriteNumberValue(ids[token]);
            json.WriteEndArray();
            json.WriteStartArray("tokens");
            json.WriteStringValue(token);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    static void WriteSpecial(Utf8JsonWriter json, string token)
    {
        json.WriteStartObject();
        json.WriteStartObject("SpecialToken");
        json.WriteString("id", token);
        json.WriteNumber("type_id", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    static JsonElement Member(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : default;

    static string TypeOf(string path, JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("type", out var type)
        && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : throw new InvalidDataException($"{path}: {where} has no \"type\"");

    static bool? Bool(string path, JsonElement element, string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new InvalidDataException($"{path}: {field} must be true, false or null, found {value}");
    }

    static string? String(string path, JsonElement element, string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidDataException($"{path}: {field} must be a string, found {value}");
    }

    static InvalidDataException Unsupported(string path, string component, string type) =>
        new(
            $"{path}: {component} type '{type}' is not supported (this project runs BERT WordPiece tokenizers: "
                + "BertNormalizer, BertPreTokenizer, WordPiece, [CLS] $A [SEP])"
        );
}
