using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlpMtl.Core.Data;

/// <summary>
/// One task's output for one document: one line of <c>nlpmtl predict</c> output and of a queue result blob
/// (DESIGN.md): sentiment <c>label</c> + <c>score</c> (softmax probability of the label), summarize <c>summary</c>,
/// translate <c>translation</c>.
/// </summary>
public sealed record TaskPrediction(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("task")] string Task)
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }; // UTF-8 text stays readable

    [JsonPropertyName("label")] public string? Label { get; init; }
    [JsonPropertyName("score")] public double? Score { get; init; }
    [JsonPropertyName("summary")] public string? Summary { get; init; }
    [JsonPropertyName("translation")] public string? Translation { get; init; }

    /// <summary><c>{"id":"…","task":"sentiment","label":"positive","score":0.97}</c>: fields in the documented order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        WriteJson(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The <see cref="ToJson"/> line as UTF-8, without a newline.</summary>
    public void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("task", Task);
        if (Label is not null) json.WriteString("label", Label);
        if (Score is { } score) json.WriteNumber("score", Math.Round(score, 6));
        if (Summary is not null) json.WriteString("summary", Summary);
        if (Translation is not null) json.WriteString("translation", Translation);
        json.WriteEndObject();
    }

    public override string ToString() => ToJson();
}
