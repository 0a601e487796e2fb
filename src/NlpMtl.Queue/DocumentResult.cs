using System.Text.Json.Serialization;

namespace NlpMtl.Queue;

/// <summary>
/// One line of a result blob, the same shape as <c>nlpmtl predict</c> output:
/// <c>{"id","task","label","score"}</c>, <c>{"id","task","summary"}</c> or <c>{"id","task","translation"}</c>.
/// </summary>
public sealed record DocumentResult
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("task")] public required string Task { get; init; }
    [JsonPropertyName("label")] public string? Label { get; init; }
    [JsonPropertyName("score")] public double? Score { get; init; }
    [JsonPropertyName("summary")] public string? Summary { get; init; }
    [JsonPropertyName("translation")] public string? Translation { get; init; }
}
