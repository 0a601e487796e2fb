using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NlpMtl.Inference;

/// <summary>A document to run: its id, its text and the tasks requested for it (each encoded once, shared by all).</summary>
public sealed record DocumentRequest(string Id, string Text, IReadOnlyList<string> Tasks);

/// <summary>One document after tokenisation: the encoder ids ([CLS] … [SEP]) after the truncation policy.</summary>
public sealed record EncodedDocument(DocumentRequest Request, int[] InputIds)
{
    public int Tokens => InputIds.Length;

    /// <summary>Whether the text was longer than the limit and lost its tail.</summary>
    public bool Truncated { get; init; }
}

/// <summary>The engine's answer for one document: one prediction per requested task, in the order requested.</summary>
public sealed record DocumentResult(string Id, IReadOnlyList<TaskPrediction> Predictions);

/// <summary>
/// One task's output for one document, written as one JSONL line (DESIGN.md): sentiment <c>label</c> + <c>score</c>
/// (softmax probability of the label), summarize <c>summary</c>, translate <c>translation</c>.
/// </summary>
public sealed record TaskPrediction(string Id, string Task)
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }; // UTF-8 text stays readable

    public string? Label { get; init; }
    public double? Score { get; init; }
    public string? Summary { get; init; }
    public string? Translation { get; init; }

    /// <summary><c>{"id":"…","task":"sentiment","label":"positive","score":0.97}</c>: fields in the documented order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("id", Id);
            json.WriteString("task", Task);
            if (Label is not null) json.WriteString("label", Label);
            if (Score is { } score) json.WriteNumber("score", Math.Round(score, 6));
            if (Summary is not null) json.WriteString("summary", Summary);
            if (Translation is not null) json.WriteString("translation", Translation);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public override string ToString() => ToJson();
}
