using System.Text.Json.Serialization;

namespace NlpMtl.Core.Text;

/// <summary>What <see cref="NumberCheck.Restore"/> did to one translation: the text with the source's numbers put
/// back, the numbers it put back, and the source's numbers the text still lacks.</summary>
public sealed record NumberRestoration(string Text, RestoredNumber[] Restored, string[] Missing);

/// <summary>A source number written into a translation (<c>number</c>, as the source writes it) in place of the number
/// the model had written there (<c>replaced</c>).</summary>
public sealed record RestoredNumber(
    [property: JsonPropertyName("number")] string Number,
    [property: JsonPropertyName("replaced")] string Replaced
);
