using System.Globalization;
using System.Text.Json;

namespace NlpMtl.Core.Data;

/// <summary>Reads the fields of one JSONL line, failing with file, line and field named.</summary>
internal static class JsonFields
{
    /// <summary>Parses the line as one JSON object. The caller disposes the document.</summary>
    public static JsonDocument ParseObject(DataLine line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Text);
        }
        catch (JsonException e)
        {
            throw line.Error($"malformed JSON ({e.Message})");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw line.Error($"expected a JSON object, found {Describe(kind)}");
        }
        return document;
    }

    public static JsonElement Required(DataLine line, JsonElement obj, string field) =>
        obj.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw line.Error(field, "missing");

    /// <summary>A non-empty string, trailing whitespace trimmed.</summary>
    public static string Text(DataLine line, JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw line.Error(field, $"expected a string, found {Describe(value.ValueKind)}");
        var text = value.GetString()!.TrimEnd();
        return text.Length > 0 ? text : throw line.Error(field, "empty text");
    }

    /// <summary>A label given as a string or an integer (<c>1</c> and <c>"1"</c> are the same label).</summary>
    public static string Label(DataLine line, JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.TryGetInt64(out var number)
                ? number.ToString(CultureInfo.InvariantCulture)
                : throw line.Error(field, $"expected a string or an integer, found {value.GetRawText()}");
        }
        if (value.ValueKind != JsonValueKind.String)
            throw line.Error(field, $"expected a string or an integer, found {Describe(value.ValueKind)}");
        var label = value.GetString()!.Trim();
        return label.Length > 0 ? label : throw line.Error(field, "empty label");
    }

    /// <summary>
    /// A non-empty string, or an array of strings (each element named <c>field[i]</c> in errors). Empty elements are
    /// dropped, not errors: SciTLDR has empty source sentences and empty references; at least one must remain.
    /// </summary>
    public static List<string> TextOrArray(DataLine line, JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.String)
            return [Text(line, value, field)];
        if (value.ValueKind != JsonValueKind.Array)
            throw line.Error(field, $"expected a string or an array of strings, found {Describe(value.ValueKind)}");

        var items = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var name = $"{field}[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
                throw line.Error(name, $"expected a string, found {Describe(item.ValueKind)}");
            var text = item.GetString()!.Trim();
            if (text.Length > 0)
                items.Add(text);
        }
        return items.Count > 0 ? items : throw line.Error(field, "no non-empty text in the array");
    }

    static string Describe(JsonValueKind kind) =>
        kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };
}
