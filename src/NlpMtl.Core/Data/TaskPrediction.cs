using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NlpMtl.Core.Data;

/// <summary> One task's output for one document: one line of <c>nlpmtl predict</c> output and of a queue result blob
/// (docs/contracts.md): sentiment <c>label</c> + <c>score</c> (softmax probability of the label), summarize
/// <c>summary</c>, translate <c>translation</c>; then what was read: <c>truncated</c> and how the document was split
/// (<c>segments</c>, <c>windows</c>, <c>sentences</c> + <c>selected</c>, <c>extracted</c>), and for a translation the
/// source's numbers it lacks (<c>numbers_missing</c>) and those put back in place of the model's
/// (<c>numbers_restored</c>). </summary>
public sealed record TaskPrediction(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("task")] string Task
)
{
    // UTF-8 text stays readable
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [JsonPropertyName("label")]
    public string? Label { get; init; }

    [JsonPropertyName("score")]
    public double? Score { get; init; }

    [JsonPropertyName("summary")]
    public string? Summary { get; init; }

    [JsonPropertyName("translation")]
    public string? Translation { get; init; }

    /// <summary>True when part of the document was never read (cut by the hard cap, or by a head's limit when the
    /// engine was asked for first tokens only); false when the whole document was used.</summary>
    [JsonPropertyName("truncated")]
    public bool? Truncated { get; init; }

    /// <summary>Translate: pieces translated (sentences, plus the extra pieces of sentences longer than the head
    /// reads).</summary>
    [JsonPropertyName("segments")]
    public int? Segments { get; init; }

    /// <summary>Translate: the numbers of the read source, as written and in document order, that the translation
    /// does not contain in digits (<see cref="Text.NumberCheck"/>); empty when it carries them all.</summary>
    [JsonPropertyName("numbers_missing")]
    public string[]? NumbersMissing { get; init; }

    /// <summary>Translate: the source's numbers written into the translation in place of numbers the model wrote
    /// instead (<see cref="Text.NumberCheck.Restore"/>), in document order; absent when restoring is off.</summary>
    [JsonPropertyName("numbers_restored")]
    public Text.RestoredNumber[]? NumbersRestored { get; init; }

    /// <summary>Sentiment: windows read and aggregated into the label.</summary>
    [JsonPropertyName("windows")]
    public int? Windows { get; init; }

    /// <summary>Summarize: sentences in the document (as far as it was read).</summary>
    [JsonPropertyName("sentences")]
    public int? Sentences { get; init; }

    /// <summary>Summarize: the sentences (0-based, document order) the summarizer read — all of them when they
    /// fit.</summary>
    [JsonPropertyName("selected")]
    public int[]? Selected { get; init; }

    /// <summary>Summarize, extractive style: the sentence (0-based, one of <see cref="Selected"/>) that
    /// <see cref="Summary"/> is; absent when the summary is the generated text.</summary>
    [JsonPropertyName("extracted")]
    public int? Extracted { get; init; }

    /// <summary><c>{"id":"…","task":"sentiment","label":"positive","score":0.97}</c>: fields in the documented
    /// order.</summary>
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
        if (Label is not null)
            json.WriteString("label", Label);
        if (Score is { } score)
            json.WriteNumber("score", Math.Round(score, 6));
        if (Summary is not null)
            json.WriteString("summary", Summary);
        if (Translation is not null)
            json.WriteString("translation", Translation);
        if (Truncated is { } truncated)
            json.WriteBoolean("truncated", truncated);
        if (Segments is { } segments)
            json.WriteNumber("segments", segments);
        if (NumbersMissing is { } numbersMissing)
        {
            json.WriteStartArray("numbers_missing");
            foreach (var number in numbersMissing)
                json.WriteStringValue(number);
            json.WriteEndArray();
        }
        if (NumbersRestored is { } numbersRestored)
        {
            json.WriteStartArray("numbers_restored");
            foreach (var restored in numbersRestored)
            {
                json.WriteStartObject();
                json.WriteString("number", restored.Number);
                json.WriteString("replaced", restored.Replaced);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (Windows is { } windows)
            json.WriteNumber("windows", windows);
        if (Sentences is { } sentences)
            json.WriteNumber("sentences", sentences);
        if (Selected is { } selected)
        {
            json.WriteStartArray("selected");
            foreach (var index in selected)
                json.WriteNumberValue(index);
            json.WriteEndArray();
        }
        if (Extracted is { } extracted)
            json.WriteNumber("extracted", extracted);
        json.WriteEndObject();
    }

    public override string ToString() => ToJson();
}
